"""Reading the whole ledger in seq order, fast: the driver's own cursor, a batch at a time,
with the next batch fetched while this one is checked (`verify_chain`, evidence details)."""

from __future__ import annotations

import secrets
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

_SELECT_CHAIN = (
    "SELECT seq, payload, prev_hash, hash, event, occurrence_id, person_key, key_id, "
    "created_at FROM ledger_entries ORDER BY seq"
)
_BATCH = 10_000


def stream_chain(
    bind: Session | Engine | Connection,
) -> Generator[tuple[Any, ...], None, None]:
    """Rows in seq order through the driver's own cursor, a batch at a time.

    The DBAPI cursor skips SQLAlchemy's per-row objects (verify reads every entry, so
    this dominates its time). PostgreSQL uses a server-side (named) cursor, so memory
    stays flat for any ledger size.
    """
    if isinstance(bind, Engine):
        raw = bind.raw_connection()
        try:
            yield from _fetch(raw.driver_connection, bind.dialect.name)
        finally:
            raw.rollback()
            raw.close()
        return
    conn = bind.connection() if isinstance(bind, Session) else bind
    yield from _fetch(conn.connection.driver_connection, conn.dialect.name)


def _fetch(dbapi: Any, dialect: str) -> Iterator[tuple[Any, ...]]:
    if dialect == "postgresql":
        cursor = dbapi.cursor(name=f"ledger_verify_{secrets.token_hex(4)}")
        cursor.itersize = _BATCH
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(_SELECT_CHAIN)
        if dialect == "postgresql":
            yield from read_ahead(cursor, _BATCH)  # the server's work overlaps ours
        else:
            # SQLite reads in this process: a second thread only adds GIL hand-offs
            while batch := cursor.fetchmany(_BATCH):
                yield from batch
    finally:
        cursor.close()


def read_ahead(cursor: Any, size: int) -> Iterator[tuple[Any, ...]]:
    """Batches of the cursor, the next one fetched in a worker thread meanwhile.

    PostgreSQL reads and sends the next batch while this thread hashes the current one;
    the driver releases the GIL while it waits. Only one fetch is ever
    in flight and the caller never touches the cursor, so the driver is used by one
    thread at a time. Leaving early waits for the fetch in flight before returning.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        pending = pool.submit(cursor.fetchmany, size)
        while batch := pending.result():
            pending = pool.submit(cursor.fetchmany, size)
            yield from batch
