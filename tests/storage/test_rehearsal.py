"""A rehearsal: use cases commit as usual inside it, and nothing reaches the database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, text

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


def ask(session_or_connection: object) -> int:
    """Log one question (a table whose ids a sequence hands out on PostgreSQL); its id."""
    insert = text(
        "INSERT INTO question_log (asked_at, lang, text, answered, score, up_votes, down_votes)"
        " VALUES (:at, 'sv', 'q', false, 0.5, 0, 0) RETURNING id"
    )
    return int(session_or_connection.execute(insert, {"at": NOW}).scalar_one())  # type: ignore[attr-defined]


def test_ids_after_a_rehearsal_go_on_as_if_it_never_ran(engine: Engine) -> None:
    # A PostgreSQL sequence is not rolled back with the transaction: the rehearsal's
    # inserts moved it (thousands of ids for a long catch-up), visible in every later id
    # and in a pg_dump of the database the rehearsal was to leave untouched.
    with engine.begin() as connection:
        first = ask(connection)
    with rehearsal(engine) as factory:
        for _ in range(3):
            with transaction(factory) as session:
                ask(session)
    with engine.begin() as connection:
        assert ask(connection) == first + 1
