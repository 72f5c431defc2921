"""`gdpr-bot report --client ID`: one client's rights requests in a period (the proof a
controller asks its processor for), as CSV, JSON, HTML or a zip of all three.

The figures (received, forwarded within the promise with share and median business days,
late, open) go to stderr; the file to `--out` or stdout. The export is a `report.exported`
ledger entry with the file's SHA-256, except with `--now` (pretend time writes nothing).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import cast

import typer

from bot.cli.errors import check_report_out, require_database, usage_error
from bot.cli.outfile import output_file
from bot.config import Settings
from clients import ClientsError, UnknownClient, load_directory
from routines.reports.adherence import Period
from routines.requests.report import (
    REPORT_FORMATS,
    ReportFormat,
    client_report,
    record_export,
    render,
)
from routines.service import RequestRegister
from storage.clock import utc_now
from storage.engines import make_engine
from storage.migrate import create_schema
from storage.sessions import session_factory


def client_report_command(
    settings: Settings,
    client_id: str,
    period: Period,
    fmt: str,
    out: Path | None,
    now: datetime,
    *,
    pretend: bool,
) -> None:
    if fmt not in REPORT_FORMATS:
        raise usage_error(f"--format must be one of {', '.join(REPORT_FORMATS)}")
    check_report_out(fmt, out)
    try:
        client = load_directory(settings.clients_paths).require(client_id)
    except UnknownClient as exc:
        raise usage_error(str(exc)) from None
    except ClientsError as exc:
        raise usage_error(f"the client directory is broken: {exc.problems[0]}") from None
    engine = make_engine(require_database(settings.database_url))
    try:
        create_schema(engine)
        sessions = session_factory(engine)
        register = RequestRegister(sessions, timezone=settings.timezone)
        report = client_report(register, client.id, client.name, period.start, period.end, now)
        content = render(report, cast(ReportFormat, fmt))

        def recorded() -> int | None:  # once the bytes are out (a file: before its rename):
            if pretend:  # an export that could not be written is not evidence of one
                return None
            return record_export(sessions, report, cast(ReportFormat, fmt), content, now=utc_now())

        if out is None:
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
            seq = recorded()
        else:
            with output_file(out) as handle:
                handle.write(content)
                seq = recorded()
    finally:
        engine.dispose()
    figures = report.figures()
    share = figures["on_time_share"]
    typer.echo(
        f"{client.name}: {figures['received']} received, "
        f"{figures['forwarded_on_time']} forwarded on time"
        f" ({'–' if share is None else f'{share:.0%}'}), {figures['forwarded_late']} late, "
        f"{figures['open_late']} open and late, {figures['open_not_yet_due']} open; "
        + ("not recorded (--now)" if seq is None else f"ledger entry {seq}"),
        err=True,
    )
