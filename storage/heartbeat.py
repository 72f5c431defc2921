"""A heartbeat row per host: proof that the database accepts a write, not only a read.

`gdpr-bot run` beats once at start (a read-only database or a full disk is an error
before serving) and `/readyz` beats on every probe, so a replica whose writes fail is
taken out of the load balancer. Rows older than a day are deleted by the next beat.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Engine, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base

KEEP = timedelta(days=1)


class Heartbeat(Base):
    __tablename__ = "heartbeats"

    host: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def beat(engine: Engine, now: datetime, *, host: str | None = None) -> None:
    """Write (upsert) this host's heartbeat and commit; raises what the database raises."""
    name = (host or socket.gethostname() or "unknown")[:64]
    module = postgresql if engine.dialect.name == "postgresql" else sqlite
    upsert = module.insert(Heartbeat).values(host=name, beat_at=now)
    upsert = upsert.on_conflict_do_update(index_elements=["host"], set_={"beat_at": now})
    with engine.begin() as conn:
        conn.execute(upsert)
        conn.execute(delete(Heartbeat).where(Heartbeat.beat_at < now - KEEP))
