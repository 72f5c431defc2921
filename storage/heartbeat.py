"""A heartbeat row per host: proof that the database accepts a write, not only a read.

`gdpr-bot run` beats once at start (a read-only database or a full disk is an error
before serving) and `/readyz` beats on every probe, so a replica whose writes fail is
taken out of the load balancer. A SQLite file deleted or replaced under the running
process fails it too (the writes would go to a file nobody opens again). Rows older
than a day are deleted by the next beat.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

from sqlalchemy import Connection, DateTime, Engine, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.engines import SQLITE_BUSY_TIMEOUT_MS, check_sqlite_file

KEEP = timedelta(days=1)


class Heartbeat(Base):
    __tablename__ = "heartbeats"

    host: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def beat(
    engine: Engine, now: datetime, *, host: str | None = None, wait: float | None = None
) -> None:
    """Write (upsert) this host's heartbeat and commit; raises what the database raises.

    `wait` (seconds) bounds how long the write waits for a lock another process holds
    (`/readyz`: a locked database is "not ready" at once, not after SQLite's 30 s busy
    timeout, and a probe every few seconds does not pile up worker threads)."""
    name = (host or socket.gethostname() or "unknown")[:64]
    module = postgresql if engine.dialect.name == "postgresql" else sqlite
    upsert = module.insert(Heartbeat).values(host=name, beat_at=now)
    upsert = upsert.on_conflict_do_update(index_elements=["host"], set_={"beat_at": now})
    wait_ms = None if wait is None else int(wait * 1000)
    sqlite_wait = wait_ms is not None and engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite_wait:  # per connection; BEGIN IMMEDIATE is where SQLite waits
            _busy_timeout(conn, wait_ms)
        try:
            with conn.begin():
                if wait_ms is not None and engine.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {wait_ms}")
                conn.execute(upsert)
                conn.execute(delete(Heartbeat).where(Heartbeat.beat_at < now - KEEP))
            check_sqlite_file(conn.connection.info)  # deleted or replaced: writes vanish
        finally:
            if sqlite_wait:  # the pooled connection goes back with the usual wait
                _busy_timeout(conn, SQLITE_BUSY_TIMEOUT_MS)


def _busy_timeout(conn: Connection, ms: int | None) -> None:
    cursor = conn.connection.cursor()  # the DBAPI connection: no SQLAlchemy transaction
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(ms or 0)}")
    finally:
        cursor.close()
