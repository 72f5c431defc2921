"""Pretend time on the command line: `--now` rehearses, `--write` really writes.

Commands that take a pretend time (`routines run-due --now`, `privacy purge --now`) run
as a dry run by default: the real code runs against the real database inside a rehearsal
(storage/rehearsal.py) and everything it did is rolled back, so the output shows what
would happen and the database, above all the append-only evidence ledger, is untouched.
`--write` keeps the work, but only for a time that is not in the future: future-dated
evidence could never be removed again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import as_utc, utc_now
from storage.migrate import create_schema, upgrade_within
from storage.rehearsal import rehearsal, rehearsal_connection
from storage.sessions import session_factory

EXIT_USAGE = 2
# A --now a little ahead of this machine's clock (typed a minute early) is still "now".
CLOCK_SLACK = timedelta(minutes=5)

WRITE_HELP = (
    "With --now: really write (only for a time that is not in the future). "
    "Without it a --now run is a dry run that writes nothing."
)


def parse_now(text: str, timezone: str) -> datetime:
    """`--now` of every command that takes one: an ISO date or date-time. Without a zone
    it is local time in `timezone` (GDPRBOT_TIMEZONE, the zone routines are due in), a bare
    date its midnight; "Z" or "+01:00" say otherwise. Empty: the current time. Exit 2 on
    anything else."""
    if not text:
        return utc_now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        typer.echo(f"error: --now must be an ISO date or date-time, not {text!r}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def check_write(moment: datetime, pretend: bool, write: bool) -> bool:
    """Whether this run is a dry run; exits 2 for `--write` with a future `--now`."""
    if pretend and write and as_utc(moment) > utc_now() + CLOCK_SLACK:
        typer.echo(
            f"error: --write refused: --now {moment.isoformat()} is in the future, and "
            "evidence dated in the future could never be removed (drop --write for a dry run)",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)
    return pretend and not write


def dry_run_banner(moment: datetime) -> str:
    return (
        f"dry run at {moment.isoformat()}: shows what would happen, writes nothing "
        "(--write to keep it, for a time that is not in the future)"
    )


@contextmanager
def sessions_for(engine: Engine, dry_run: bool) -> Iterator[sessionmaker[Session]]:
    """The real session factory, or a rehearsal's (its work rolled back at the end)."""
    if not dry_run:
        create_schema(engine)
        yield session_factory(engine)
        return
    with rehearsal(engine) as factory:
        upgrade_within(rehearsal_connection(factory))
        yield factory


def engine_for(url: str, dry_run: bool) -> Engine:
    """The database's engine; a dry run on a SQLite file that does not exist yet rehearses
    on an empty in-memory database instead of creating the file."""
    from sqlalchemy.engine import make_url

    from storage.engines import check_url
    from storage.migrate import engine_from_url

    parsed = make_url(check_url(url))
    if dry_run and parsed.get_backend_name() == "sqlite" and parsed.database:
        from pathlib import Path

        if parsed.database != ":memory:" and not Path(parsed.database).exists():
            return engine_from_url("sqlite://")
    return engine_from_url(url)
