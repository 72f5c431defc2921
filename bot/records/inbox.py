"""The durable inbox: acknowledged events, stored before the acknowledgement.

A platform acknowledges an event (HTTP 200) only after `accept` has committed, in one
transaction, the dedupe claim (`handled_events`, bot/records/events.py) and the raw
payload here. The receiving process works on it right away and deletes the row when done
(`done`). If it dies first, the row stays: after its lease any replica takes it
(`take_due`) and processes it again. The work itself is idempotent (a confirmation is
recorded once however often it is applied), so "at least once" here is "exactly once"
in the evidence. Payloads hold platform ids and text: they live only until processed,
and a payload that failed `MAX_ATTEMPTS` times is dropped with a warning.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.chat import metrics
from bot.chat.ports import InboxItem
from bot.records.events import claim_event
from storage.base import Base
from storage.sessions import transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
TAKE_AT_ONCE = 50


class InboxRow(Base):
    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    taken_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class InboxStore:
    """Implements `bot.chat.ports.Inbox`; every method one transaction in a worker thread."""

    def __init__(self, sessions: sessionmaker[Session], *, lease_seconds: float = 30.0) -> None:
        self._sessions = sessions
        self.lease_seconds = lease_seconds

    def _lease(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.lease_seconds)

    async def accept(
        self, platform: str, key: str, kind: str, body: str, now: datetime
    ) -> int | None:
        def store() -> int | None:
            with transaction(self._sessions) as session:
                if not claim_event(session, platform, key, now):
                    return None
                row = InboxRow(
                    platform=platform, kind=kind, body=body, received_at=now,
                    taken_until=self._lease(now), attempts=1,
                )  # fmt: skip
                session.add(row)
                session.flush()
                return int(row.id)

        return await asyncio.to_thread(store)

    async def done(self, item_id: int) -> None:
        def forget() -> None:
            with transaction(self._sessions) as session:
                session.execute(delete(InboxRow).where(InboxRow.id == item_id))

        await asyncio.to_thread(forget)

    async def take_due(self, platform: str, now: datetime) -> list[InboxItem]:
        def take() -> list[InboxItem]:
            with transaction(self._sessions) as session:
                rows = session.execute(
                    select(InboxRow.id, InboxRow.kind, InboxRow.body, InboxRow.taken_until,
                           InboxRow.attempts)
                    .where(InboxRow.platform == platform, InboxRow.taken_until < now)
                    .order_by(InboxRow.id)
                    .limit(TAKE_AT_ONCE)
                ).all()  # fmt: skip
                taken: list[InboxItem] = []
                for row_id, kind, body, until, attempts in rows:
                    if attempts >= MAX_ATTEMPTS:
                        session.execute(delete(InboxRow).where(InboxRow.id == row_id))
                        log.warning("inbox event dropped after repeated failures",
                                    extra={"platform": platform, "kind": kind})  # fmt: skip
                        metrics.ERRORS.labels("inbox_dropped").inc()
                        continue
                    # Only if nobody took it meanwhile (another replica, same moment).
                    result = session.execute(
                        update(InboxRow)
                        .where(InboxRow.id == row_id, InboxRow.taken_until == until)
                        .values(taken_until=self._lease(now), attempts=attempts + 1)
                    )
                    if result.rowcount:  # type: ignore[attr-defined]
                        taken.append(InboxItem(int(row_id), kind, body))
                return taken

        return await asyncio.to_thread(take)
