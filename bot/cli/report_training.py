"""`gdpr-bot report --training`: per training campaign due in the period, the audience,
passed, failed, not finished, the pass rate and who is overdue; per team and per person
in JSON, HTML and the zip (which holds every table, with their SHA-256 sums).

The export is a `report.exported` ledger entry ("cli" as the exporter) with the file's
SHA-256, except with `--now` (pretend time writes nothing).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import cast

import typer
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.errors import broken_files, check_report_out, require_database, usage_error
from bot.cli.keys import use_ledger_keys
from bot.cli.outfile import output_file
from bot.config import Settings
from routines.catalog import CatalogError, load_catalog
from routines.reports.adherence import Period
from routines.reports.training import training_report
from routines.reports.training_formats import (
    TRAINING_FORMATS,
    TrainingExport,
    TrainingFormat,
    export_training,
    record_training_export,
)
from routines.schedule.rules import local_date
from storage.clock import utc_now
from storage.engines import make_engine
from storage.sessions import read_session, session_factory


def training_report_command(
    settings: Settings,
    period: Period,
    routine: str,
    fmt: str,
    out: Path | None,
    now: datetime,
    *,
    lang: str = "",
    pretend: bool = False,
) -> None:
    if fmt not in TRAINING_FORMATS:
        raise usage_error(f"--format with --training must be one of {', '.join(TRAINING_FORMATS)}")
    check_report_out(fmt, out)
    language = lang or settings.default_language
    if language not in ("sv", "en"):
        raise usage_error("--lang must be sv or en")
    try:
        catalog = load_catalog(settings.routines_paths, default_timezone=settings.timezone)
    except CatalogError as exc:
        raise broken_files(
            "the routine catalogue is broken", exc.problems, "gdpr-bot routines check"
        ) from None
    chosen = catalog.get(routine) if routine else None
    if routine and (chosen is None or chosen.kind != "training"):
        raise usage_error(f"--routine: no training routine {routine!r} in the catalogue")
    only = [routine] if routine else None
    if not pretend:
        use_ledger_keys(settings)
    engine = make_engine(require_database(settings.database_url))
    try:
        factory = session_factory(engine)
        with read_session(factory) as session:
            today = local_date(now, settings.timezone)
            report = training_report(session, catalog, period, today, only)
        exported = export_training(factory, report, cast(TrainingFormat, fmt), language,
                                   who="cli", now=utc_now(), record=False)  # fmt: skip
        # Recorded once the bytes are out (a file before its rename into place): an
        # export that could not be written is not evidence that someone has it.
        if out is None:
            sys.stdout.buffer.write(exported.content)
            sys.stdout.buffer.flush()
            exported = _recorded(factory, exported, only, pretend)
        else:
            with output_file(out) as handle:
                handle.write(exported.content)
                exported = _recorded(factory, exported, only, pretend)
    finally:
        engine.dispose()
    recorded = (
        "not recorded (--now)" if exported.ledger_seq is None
        else f"ledger entry {exported.ledger_seq}"
    )  # fmt: skip
    typer.echo(
        f"{len(report.campaigns)} campaign(s), {report.passed} of {report.audience} passed, "
        f"{len(report.teams)} team(s); {recorded}",
        err=True,
    )


def _recorded(
    factory: sessionmaker[Session],
    exported: TrainingExport,
    only: list[str] | None,
    pretend: bool,
) -> TrainingExport:
    if pretend:  # pretend time writes nothing
        return exported
    return record_training_export(factory, exported, who="cli", now=utc_now(), routine_ids=only)
