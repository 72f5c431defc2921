"""Exporting reads a snapshot that does not hold up writers (SQLite's write lock)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.reports.adherence import summarise
from routines.reports.details import DetailRow, iter_details
from routines.reports.export import Shortfall, export_report
from routines.reports.formats import Format
from storage.engines import make_engine
from storage.sessions import read_session, session_factory, transaction
from tests.routines import report_scenario as scenario


@pytest.fixture
def factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    yield from scenario.sessions(sqlite_url)


@pytest.fixture
def impatient_writer(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """A second engine that gives up after 200 ms instead of waiting for a lock."""
    engine = make_engine(sqlite_url)

    def short_timeout(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    event.listen(engine, "connect", short_timeout)
    yield session_factory(engine)
    engine.dispose()


def test_writers_commit_while_a_report_is_being_read(
    factory: sessionmaker[Session], impatient_writer: sessionmaker[Session]
) -> None:
    with read_session(factory) as reading:
        summary = summarise(reading, scenario.scope())
        rows = iter_details(reading, scenario.scope())
        next(rows)  # the read transaction is open and streaming
        with transaction(impatient_writer) as writing:
            ledger.append_event(writing, ledger.NOTE_ADDED, {"occurrence_id": 1}, scenario.NOW)
        assert sum(1 for _ in rows) == 7
    assert summary.total.occurrences == 6


def test_report_reads_one_snapshot(
    factory: sessionmaker[Session], impatient_writer: sessionmaker[Session]
) -> None:
    with read_session(factory) as reading:
        before = summarise(reading, scenario.scope()).total.occurrences
        with transaction(impatient_writer) as writing:
            from routines.engine import models as m

            occurrence = writing.get(m.Occurrence, 2)
            assert occurrence is not None
            occurrence.status = m.DONE
        assert summarise(reading, scenario.scope()).total.on_time == 1
    assert before == 6


def test_export_leaves_the_ledger_verifiable(factory: sessionmaker[Session]) -> None:
    export_report(factory, scenario.scope(), "zip", io.BytesIO(), who="cli", now=scenario.NOW)
    engine = factory.kw["bind"]
    assert isinstance(engine, Engine)
    assert ledger.verify(engine).ok


@pytest.mark.parametrize("fmt", ["csv", "json", "html", "zip"])
def test_an_observer_sees_every_detail_row_once_whatever_the_format(
    factory: sessionmaker[Session], fmt: Format
) -> None:
    seen: list[DetailRow] = []

    export_report(
        factory, scenario.scope(), fmt, io.BytesIO(), who="cli", now=scenario.NOW,
        observe=seen.append,
    )  # fmt: skip

    with read_session(factory) as reading:
        assert seen == list(iter_details(reading, scenario.scope()))


def test_the_shortfall_lists_missing_occurrences_once_and_who_to_chase(
    factory: sessionmaker[Session],
) -> None:
    shortfall = Shortfall()

    export_report(
        factory, scenario.scope(), "zip", io.BytesIO(), who="cli", now=scenario.NOW,
        observe=shortfall,
    )  # fmt: skip

    occurrences = [(m.title, m.scheduled) for m in shortfall.missing]
    assert len(occurrences) == len(set(occurrences)) == 2
    assert shortfall.chase == {"Bo Berg": 1}  # the erased person is never named


def test_the_exported_digest_is_of_exactly_the_bytes_handed_out(
    factory: sessionmaker[Session],
) -> None:
    out = io.BytesIO()

    exported = export_report(factory, scenario.scope(), "zip", out, who="cli", now=scenario.NOW)

    assert exported.sha256 == hashlib.sha256(out.getvalue()).hexdigest()
    assert exported.bytes == len(out.getvalue())
