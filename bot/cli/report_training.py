"""`gdpr-bot report --training`: per training campaign due in the period, the audience,
passed, failed, not finished, the pass rate and who is overdue (CSV or JSON).

Reads only: nothing is written to the database (so `--now` is safe as well).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import typer

from bot.cli.errors import require_database
from bot.config import Settings
from routines.catalog import CatalogError, load_catalog
from routines.reports.adherence import Period
from routines.reports.training import TRAINING_FORMATS, render_training, training_rows
from routines.schedule.rules import local_date
from storage.engines import make_engine
from storage.sessions import read_session, session_factory

EXIT_BAD_INPUT = 2


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def training_report_command(
    settings: Settings,
    period: Period,
    routine: str,
    fmt: str,
    out: Path | None,
    now: datetime,
) -> None:
    if fmt not in TRAINING_FORMATS:
        raise _fail(f"--format with --training must be one of {', '.join(TRAINING_FORMATS)}")
    try:
        catalog = load_catalog(settings.routines_paths, default_timezone=settings.timezone)
    except CatalogError as exc:
        raise _fail(f"the routine catalogue has problems ({len(exc.problems)})") from None
    chosen = catalog.get(routine) if routine else None
    if routine and (chosen is None or chosen.kind != "training"):
        raise _fail(f"--routine: no training routine {routine!r} in the catalogue")
    engine = make_engine(require_database(settings.database_url))
    try:
        with read_session(session_factory(engine)) as session:
            today = local_date(now, settings.timezone)
            rows = training_rows(session, catalog, period, today, routine or None)
    finally:
        engine.dispose()
    text = render_training(rows, fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
    passed = sum(r.passed for r in rows)
    audience = sum(r.audience for r in rows)
    typer.echo(f"{len(rows)} campaign(s), {passed} of {audience} passed", err=True)
