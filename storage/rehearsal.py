"""A rehearsal: run use cases against the real database and keep none of their writes.

`--now` (pretend time) must write nothing into a real database, yet "what would happen on
2027-01-04 at 09:00?" is best answered by the real code on the real data. A rehearsal opens
one connection, begins one outer transaction, and hands out sessions bound to it whose
commits are only savepoints (`join_transaction_mode="create_savepoint"`); at the end the
outer transaction is rolled back, so nothing a use case "committed" ever reaches the
database. Schema migrations a rehearsal needs run inside the same transaction (SQLite and
PostgreSQL both roll DDL back).

One connection serves every session, so sessions are serialised: a session opened on
another thread waits until the current one is closed (use cases open one session at a
time; the dispatcher's worker threads take turns).

On SQLite the outer transaction holds the write lock (BEGIN IMMEDIATE) for the rehearsal's
length; the bot's own writers wait for it (busy timeout 30 s), as they would for any write.

PostgreSQL's sequences are not transactional: the ids the rehearsal's inserts drew stay
drawn after the rollback. So each sequence of the schema is put back afterwards to where
it was (`_Sequences`), under a lock that keeps inserts into its table out for that moment,
and only when no row committed meanwhile holds an id above that value (another process
inserting during the rehearsal keeps what it drew). A role without the right to move a
sequence (`db grant` gives it) leaves the ids drawn: a gap, never a duplicate.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


class _TurnSession(Session):
    """A session that holds the rehearsal's connection from its creation until closed."""

    turn: threading.RLock

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.turn.acquire()
        self._holding = True
        try:
            super().__init__(*args, **kwargs)
        except BaseException:
            self._release()
            raise

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

    def _release(self) -> None:
        if getattr(self, "_holding", False):
            self._holding = False
            self.turn.release()


@contextmanager
def rehearsal(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory whose work is rolled back when the block ends (even on success)."""
    turn = threading.RLock()
    session_class = type("RehearsalSession", (_TurnSession,), {"turn": turn})
    sequences = _Sequences.of(engine) if engine.dialect.name == "postgresql" else None
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            yield sessionmaker(
                bind=connection,
                class_=session_class,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
            )
        finally:
            with turn:
                outer.rollback()
    if sequences is not None:
        sequences.put_back(engine)


_OWNED_SEQUENCES = """
SELECT s.relname, t.relname, a.attname FROM pg_class s
JOIN pg_namespace n ON n.oid = s.relnamespace
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
 AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
WHERE s.relkind = 'S' AND n.nspname = current_schema()
"""


class _Sequences:
    """Where the schema's column sequences stood before a rehearsal (PostgreSQL)."""

    def __init__(self, before: dict[tuple[str, str, str], tuple[int, bool]]) -> None:
        self._before = before  # (sequence, table, column) -> (last_value, is_called)

    @classmethod
    def of(cls, engine: Engine) -> _Sequences:
        with engine.connect() as connection:
            owned = connection.exec_driver_sql(_OWNED_SEQUENCES).all()
            before = {
                (seq, table, column): _position(connection, seq) for seq, table, column in owned
            }
            connection.rollback()
        return cls(before)

    def put_back(self, engine: Engine) -> None:
        for (seq, table, column), (value, called) in self._before.items():
            try:
                with engine.begin() as connection:
                    if _position(connection, seq) == (value, called):
                        continue  # the rehearsal drew none of its ids
                    connection.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                    # Inserts into the table wait (reads do not) while the sequence moves.
                    connection.exec_driver_sql(
                        f"LOCK TABLE {_quoted(table)} IN SHARE ROW EXCLUSIVE MODE"
                    )
                    highest = connection.exec_driver_sql(
                        f"SELECT max({_quoted(column)}) FROM {_quoted(table)}"
                    ).scalar()
                    if highest is None or highest <= value:
                        connection.execute(
                            text("SELECT setval(:seq, :value, :called)"),
                            {"seq": _quoted(seq), "value": value, "called": called},
                        )
            except DBAPIError:
                log.debug("a rehearsal's drawn ids stay drawn", extra={"sequence": seq})


def _position(connection: Connection, seq: str) -> tuple[int, bool]:
    row = connection.exec_driver_sql(f"SELECT last_value, is_called FROM {_quoted(seq)}").one()
    return int(row[0]), bool(row[1])


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rehearsal_connection(factory: sessionmaker[Session]) -> Connection:
    """The connection a rehearsal's factory is bound to (for migrations inside it)."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, Connection):
        raise TypeError("not a rehearsal's session factory")
    return bind
