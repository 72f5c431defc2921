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

from bot.cli.errors import broken_files, check_report_out, out_file, require_database, usage_error
from bot.cli.keys import use_ledger_keys
from bot.config import Settings
from routines.catalog import CatalogError, load_catalog
from routines.reports.adherence import Period
from routines.reports.training import training_report
from routines.reports.training_formats import TRAINING_FORMATS, TrainingFormat, export_training
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
        exported = export_training(
            factory, report, cast(TrainingFormat, fmt), language, who="cli", now=utc_now(),
            routine_ids=only, record=not pretend,
        )  # fmt: skip
    finally:
        engine.dispose()
    if out is None:
        sys.stdout.buffer.write(exported.content)
        sys.stdout.buffer.flush()
    else:
        with out_file(out) as handle:
            handle.write(exported.content)
    recorded = (
        "not recorded (--now)" if exported.ledger_seq is None
        else f"ledger entry {exported.ledger_seq}"
    )  # fmt: skip
    typer.echo(
        f"{len(report.campaigns)} campaign(s), {report.passed} of {report.audience} passed, "
        f"{len(report.teams)} team(s); {recorded}",
        err=True,
    )
