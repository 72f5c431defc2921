"""Bot-side table: platform event ids already handled, so retries are answered once.

Slack retries an event it thinks we missed (same `event_id`); a user double-clicks; two
replicas receive the same delivery. The first insert of (platform, event_id) wins and
that replica answers; every other attempt hits the unique key and does nothing. Because
the database decides, this holds across processes and replicas.

`EventLog` is the store the pipeline is handed (`bot.chat.ports.EventClaims`).

No platform id is stored: an event key can hold one (Slack clicks are `<action_ts>:<user>`,
Teams keys a hash of the conversation id), so the table keeps only `event_key(...)`, an
HMAC-SHA256 of platform and key under the secret kept outside the database
(`GDPRBOT_WEB_SECRET`, the same on every replica). Without that secret the HMAC key is a
fixed constant (dedupe still works across replicas) and the table is only as unlinkable as
its short life: `handled_at` is kept to the hour, and rows go after a day.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.chat.ports import Reference
from bot.records.references import save_references
from storage.base import Base
from storage.sessions import transaction

log = logging.getLogger(__name__)

# Slack retries for about an hour; keep a day so a late retry is still recognised.
DEFAULT_KEEP = timedelta(days=1)
FALLBACK_KEY = b"gdpr-bot handled events"  # no secret configured: dedupe, not secrecy


def event_key(platform: str, key: str, secret: bytes | None) -> str:
    """What is stored for an event key: an HMAC, never the key (which may hold an id)."""
    message = f"{platform}\x00{key}".encode()
    return hmac.new(secret or FALLBACK_KEY, message, hashlib.sha256).hexdigest()


def coarse_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


class HandledEvent(Base):
    __tablename__ = "handled_events"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def claim_event(session: Session, platform: str, event_id: str, now: datetime) -> bool:
    """True the first time (platform, event_id) is seen; False for every repeat.

    `INSERT ... ON CONFLICT DO NOTHING` on SQLite and PostgreSQL: one statement, no
    savepoint, and the loser learns it lost because no row comes back.
    """
    values = {"platform": platform, "event_id": event_id[:200], "handled_at": coarse_hour(now)}
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert_ = sqlite_insert if dialect == "sqlite" else postgresql_insert
        statement = (
            insert_(HandledEvent)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(HandledEvent.event_id)
        )
        claimed = session.connection().execute(statement).first() is not None
    else:
        claimed = _claim_portably(session, values)
    if not claimed:
        log.info("duplicate event ignored", extra={"platform": platform})
    return claimed


def claim_events(
    session: Session, events: Sequence[tuple[str, str, datetime]]
) -> set[tuple[str, str]]:
    """`claim_event` for many (platform, event id, now) at once, in one statement on
    SQLite and PostgreSQL: the (platform, event id) claimed now. An id twice in `events`
    is claimed once (the caller gives it to the first)."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return {(p, e) for p, e, now in events if claim_event(session, p, e, now)}
    values = list(
        {
            (p, e[:200]): {"platform": p, "event_id": e[:200], "handled_at": coarse_hour(now)}
            for p, e, now in reversed(events)  # the first one's time wins
        }.values()
    )
    if not values:
        return set()
    insert_ = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = (
        insert_(HandledEvent)
        .values(values)
        .on_conflict_do_nothing()
        .returning(HandledEvent.platform, HandledEvent.event_id)
    )
    claimed = {(str(p), str(e)) for p, e in session.connection().execute(statement)}
    if len(claimed) < len(events):
        log.info("duplicate events ignored", extra={"count": len(events) - len(claimed)})
    return claimed


def _claim_portably(session: Session, values: dict[str, object]) -> bool:
    try:
        with session.begin_nested():
            session.execute(insert(HandledEvent).values(**values))
    except IntegrityError:
        return False
    return True


def purge_events(session: Session, *, now: datetime, keep: timedelta = DEFAULT_KEEP) -> int:
    """Forget events older than `keep` (they can no longer be retried)."""
    result = session.execute(delete(HandledEvent).where(HandledEvent.handled_at < now - keep))
    return int(result.rowcount)  # type: ignore[attr-defined]


class EventLog:
    """Claims events once, in a worker thread (implements `bot.chat.ports.EventClaims`).

    About once an hour a claim also forgets events too old to be retried, so the table
    stays small without a separate job.
    """

    PURGE_EVERY_SECONDS = 3600.0

    def __init__(self, sessions: sessionmaker[Session], *, secret: bytes | None = None) -> None:
        self._sessions = sessions
        self._secret = secret
        self._next_purge = 0.0

    async def claim(
        self, platform: str, key: str | None, now: datetime, *, remember: Sequence[Reference] = ()
    ) -> bool:
        purge = time.monotonic() >= self._next_purge
        if purge:
            self._next_purge = time.monotonic() + self.PURGE_EVERY_SECONDS

        def insert() -> bool:
            with transaction(self._sessions) as session:
                if purge:
                    purge_events(session, now=now)
                stored = event_key(platform, key, self._secret) if key else None
                if stored and not claim_event(session, platform, stored, now):
                    return False
                save_references(session, remember, now)
                return True

        return await asyncio.to_thread(insert)
