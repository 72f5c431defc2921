"""`gdpr-bot report`: adherence report for a period, as CSV, JSON, HTML or a zip package.

    gdpr-bot report --period 2027-Q1 --format zip --out evidence-2027-Q1.zip
    gdpr-bot report --from 2027-01-01 --to 2027-03-31 --routine retention-review
    gdpr-bot report --client solvinge --period 2027-Q1 --format zip --out solvinge-Q1.zip

Exit codes: 0 written, 2 bad input such as an unknown --routine (nothing written, nothing
recorded), also the database could not be read. `--now` moves only "as of" (lateness); the
export is recorded at the real time, except for a `--now` in the future (a rehearsal:
nothing is written to the database).
Every export appends a `report.exported` entry ("cli" as the exporter) to the ledger.
`--client ID` reports that client's rights requests instead (bot/cli/report_requests.py);
`--training` the training campaigns (bot/cli/report_training.py).
"""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, cast

import typer
from sqlalchemy import Engine

from bot.cli import pretend
from bot.cli.errors import check_report_out, require_database
from bot.cli.keys import use_ledger_keys
from bot.cli.outfile import output_file
from bot.cli.pretend import CLOCK_SLACK
from bot.config import Settings
from routines.catalog import CatalogError, load_catalog
from routines.reports.adherence import (
    Period,
    RoutineInfo,
    Scope,
    between,
    parse_period,
    routine_infos,
)
from routines.reports.formats import FORMATS, Format
from storage.clock import as_utc, utc_now
from storage.engines import make_engine as engine_from_url
from storage.sessions import session_factory

log = logging.getLogger(__name__)

EXIT_BAD_INPUT = 2


def register(app: typer.Typer) -> None:
    """Add `report` to the root app."""
    app.command("report")(report_command)


def report_command(
    period: Annotated[str, typer.Option("--period", help="2027-Q1, 2027-01 or 2027.")] = "",
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")] = "",
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive.")] = "",
    routine: Annotated[str, typer.Option("--routine", help="Only this routine id.")] = "",
    fmt: Annotated[str, typer.Option("--format", help="csv | json | html | zip")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="File (default: stdout).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="sv | en (default: settings).")] = "",
    now: Annotated[
        str, typer.Option("--now", help="Judge lateness as of this ISO time (no zone: local).")
    ] = "",
    client: Annotated[
        str, typer.Option("--client", help="A client's rights requests (GDPRBOT_CLIENTS id).")
    ] = "",
    training: Annotated[
        bool, typer.Option("--training", help="Training campaigns: passed, failed, overdue.")
    ] = False,
) -> None:
    """Write an adherence report (on time / late / missing / not applicable per routine)."""
    settings = Settings()
    try:
        chosen = _period(period, start, end)
        moment = pretend.parse_now(now, settings.timezone)
    except ValueError as exc:
        _fail(str(exc))
    if client:
        from bot.cli.report_requests import client_report_command

        client_report_command(settings, client, chosen, fmt, out, moment, pretend=bool(now))
        return
    if training:
        from bot.cli.report_training import training_report_command

        training_report_command(settings, chosen, routine, fmt, out, moment, lang=lang,
                                pretend=bool(now))  # fmt: skip
        return
    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}")
    check_report_out(fmt, out)
    language = lang or settings.default_language
    if language not in ("sv", "en"):
        _fail("--lang must be sv or en")
    produced = utc_now()  # --now only moves "as of": the export is recorded when it happens
    # ... unless "as of" is in the future: a rehearsal, which writes nothing (bot/cli/pretend.py)
    record = not now or as_utc(moment) <= produced + CLOCK_SLACK
    scope = Scope(
        period=chosen,
        now=moment,
        timezone=settings.timezone,
        routine_id=routine or None,
        lang=language,
        routines=_routine_infos(settings, language),
        organisation=settings.organisation,
        author="cli",
        produced_at=produced,
    )
    from routines.reports.export import export_report

    use_ledger_keys(settings)
    engine = engine_from_url(require_database(settings.database_url))
    try:
        if routine and not _known_routine(engine, routine, scope):
            _fail(f"--routine: no routine {routine!r} in the catalogue or the evidence")
        if out is None:
            export_report(
                session_factory(engine), scope, cast(Format, fmt), sys.stdout.buffer,
                who="cli", now=produced, record=record,
            )  # fmt: skip
            sys.stdout.buffer.flush()
        else:
            _write_file(engine, scope, cast(Format, fmt), out, produced, record)
    finally:  # a database or file error is one line and exit 2 (bot/cli/errors.py)
        engine.dispose()


def _write_file(
    engine: object, scope: Scope, fmt: Format, out: Path, now: datetime, record: bool
) -> None:
    from routines.reports.export import export_report

    with output_file(out) as handle:  # a failed export never leaves half a file
        exported = export_report(
            session_factory(engine),  # type: ignore[arg-type]
            scope, fmt, handle, who="cli", now=now, record=record,
        )  # fmt: skip
    total = exported.summary.total
    rate = "–" if total.rate is None else f"{total.rate:.0%}"
    recorded = (
        "not recorded (--now in the future)" if exported.ledger_seq is None
        else f"ledger entry {exported.ledger_seq}"
    )  # fmt: skip
    typer.echo(
        f"{out}: {exported.bytes} bytes, sha256 {exported.sha256}; "
        f"{total.occurrences} occurrences, adherence {rate}; {recorded}",
        err=True,
    )
    if exported.broken:  # the package says so in verify.txt; whoever runs this should know
        typer.echo(f"warning: the evidence in it does not verify: {exported.broken}", err=True)


def _known_routine(engine: Engine, routine_id: str, scope: Scope) -> bool:
    """In the catalogue, or with occurrences in the database (a routine since removed)."""
    if routine_id in scope.routines:
        return True
    from routines.reports.adherence import has_occurrences

    with session_factory(engine)() as session:
        return has_occurrences(session, routine_id)


def _period(period: str, start: str, end: str) -> Period:
    if period and (start or end):
        raise ValueError("give either --period or --from/--to, not both")
    if period:
        return parse_period(period)
    if not (start and end):
        raise ValueError("give --period (e.g. 2027-Q1) or both --from and --to")
    try:
        return between(date.fromisoformat(start), date.fromisoformat(end))
    except ValueError as exc:
        raise ValueError(f"--from/--to: {exc}") from exc


def _routine_infos(settings: Settings, lang: str) -> dict[str, RoutineInfo]:
    """Titles from the catalogue; a broken catalogue still leaves a report with ids."""
    try:
        catalog = load_catalog(settings.routines_paths, default_timezone=settings.timezone)
    except (CatalogError, OSError):
        log.warning("routine catalogue unreadable; the report shows routine ids only")
        return {}
    return routine_infos(catalog, lang)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)
