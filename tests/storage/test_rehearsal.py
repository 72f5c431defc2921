"""A rehearsal: use cases commit as usual inside it, and nothing reaches the database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine

from routines import ledger
from storage.rehearsal import rehearsal
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def entries(engine: Engine) -> int:
    return ledger.head(engine)[0]


def test_work_committed_in_a_rehearsal_is_seen_inside_and_gone_after(engine: Engine) -> None:
    with transaction(session_factory(engine)) as session:
        ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": 1}, NOW)
    with rehearsal(engine) as factory:
        for _ in range(2):
            with transaction(factory) as session:
                ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": 1}, NOW)
        with factory() as session:
            assert ledger.head(session)[0] == 3
    assert entries(engine) == 1
    assert ledger.verify(engine).ok


def test_sessions_from_other_threads_take_turns_on_the_one_connection(engine: Engine) -> None:
    with rehearsal(engine) as factory:

        def append() -> None:
            with transaction(factory) as session:
                ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": 2}, NOW)

        workers = [threading.Thread(target=append) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        with factory() as session:
            assert ledger.head(session)[0] == 4
    assert entries(engine) == 0
