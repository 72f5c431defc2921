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
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker


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


def rehearsal_connection(factory: sessionmaker[Session]) -> Connection:
    """The connection a rehearsal's factory is bound to (for migrations inside it)."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, Connection):
        raise TypeError("not a rehearsal's session factory")
    return bind
