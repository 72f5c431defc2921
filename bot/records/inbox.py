"""The durable inbox: acknowledged events, stored before the acknowledgement.

A platform acknowledges an event (HTTP 200) only after `accept` has committed, in one
transaction, the dedupe claim (`handled_events`, bot/records/events.py) and the raw
payload here. The receiving process works on it right away and deletes the row when done
(`done`). If it dies first, the row stays: after its lease any replica takes it
(`take_due`) and processes it again. The work itself is idempotent (a confirmation is
recorded once however often it is applied), so "at least once" here is "exactly once"
in the evidence. Payloads hold platform ids and text: they live only until processed,
and a payload that failed `MAX_ATTEMPTS` times is dropped with a warning. The daily
privacy job (`purge_inbox`) drops what no worker ever came back for (a platform switched
off, a poison row nobody took again): nothing stays longer than `KEEP`. An erasure deletes
the unprocessed payloads that carry the person's ids or e-mail (`forget_sender`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, quote_plus

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.chat import metrics
from bot.chat.ports import InboxItem
from bot.records.events import claim_events, coarse_hour, event_key
from storage.base import Base
from storage.group_commit import GroupCommit
from storage.sessions import transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
TAKE_AT_ONCE = 50
# The longest a raw payload may wait: far beyond any outage the bot catches up after
# (a row is worked on within a lease of a replica starting), and then it is only text.
KEEP = timedelta(days=7)


@dataclass(frozen=True)
class _Accept:
    platform: str
    key: str
    kind: str
    body: str
    now: datetime


# PostgreSQL: claim the keys and store the rows of the freshly claimed ones in one
# statement (one round trip a group, not two). The rows are inserted in the order of
# their places, so their ids (from the sequence, drawn in that order, as SQLAlchemy's
# `sort_by_parameter_order` relies on too) sorted match the places sorted.
_CLAIM_AND_STORE = text("""
WITH batch AS (
    SELECT * FROM unnest(
        CAST(:places AS integer[]), CAST(:platforms AS varchar[]), CAST(:keys AS varchar[]),
        CAST(:kinds AS varchar[]), CAST(:bodies AS text[]),
        CAST(:received AS timestamptz[]), CAST(:until AS timestamptz[]),
        CAST(:hours AS timestamptz[])
    ) AS b(place, platform, event_id, kind, body, received_at, taken_until, handled_at)
), claimed AS (
    INSERT INTO handled_events (platform, event_id, handled_at)
    SELECT platform, event_id, handled_at FROM batch
    ON CONFLICT DO NOTHING RETURNING platform, event_id
), fresh AS MATERIALIZED (
    SELECT b.* FROM batch b JOIN claimed c USING (platform, event_id)
), stored AS (
    INSERT INTO inbox (platform, kind, body, received_at, taken_until, attempts)
    SELECT platform, kind, body, received_at, taken_until, 1 FROM fresh ORDER BY place
    RETURNING id
)
SELECT 0 AS what, place AS n FROM fresh UNION ALL SELECT 1, id FROM stored
""")


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

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        lease_seconds: float = 30.0,
        secret: bytes | None = None,
    ) -> None:
        """`secret` keys the stored dedupe keys (`event_key`): a Slack click's key is
        `<action_ts>:<user>`, which must not reach the database as it is."""
        self._sessions = sessions
        self._secret = secret
        self.lease_seconds = lease_seconds
        # Group commit: what arrives while a transaction runs goes into the next one (on
        # a thread of its own: the acknowledgement waits for the stores, and must never
        # wait for a free thread behind the work on earlier events).
        self._accepts = GroupCommit(self._accept_all, name="inbox-accept")
        self._dones = GroupCommit(self._forget_all, name="inbox-done")

    def _lease(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.lease_seconds)

    async def accept(
        self, platform: str, key: str, kind: str, body: str, now: datetime
    ) -> int | None:
        return await self._accepts.submit(_Accept(platform, key, kind, body, now))

    def _accept_all(self, batch: list[_Accept]) -> list[int | None]:
        """One statement claims the whole batch, one inserts its rows (on PostgreSQL one
        statement does both: `_CLAIM_AND_STORE`)."""
        with transaction(self._sessions) as session:
            keys = [(one.platform, event_key(one.platform, one.key, self._secret)[:200])
                    for one in batch]  # fmt: skip
            if session.get_bind().dialect.name == "postgresql":
                return self._claim_and_store(session, batch, keys)
            fresh = claim_events(
                session, [(p, k, one.now) for (p, k), one in zip(keys, batch, strict=True)]
            )
            stored: list[int] = []  # the batch's places whose key is fresh (first of each)
            for place, key in enumerate(keys):
                if key in fresh:  # else claimed before, or by an earlier one of the batch
                    fresh.discard(key)
                    stored.append(place)
            ids: list[int | None] = [None] * len(batch)
            if not stored:
                return ids
            # A bulk INSERT ... RETURNING (no unit of work), ids in the rows' order.
            new = session.scalars(
                insert(InboxRow).returning(InboxRow.id, sort_by_parameter_order=True),
                [self._row(batch[place]) for place in stored],
            ).all()
            for place, row_id in zip(stored, new, strict=True):
                ids[place] = int(row_id)
            return ids

    def _claim_and_store(
        self, session: Session, batch: list[_Accept], keys: list[tuple[str, str]]
    ) -> list[int | None]:
        """`_CLAIM_AND_STORE` for the batch's first place of each key: the ids in the
        batch's places (None: claimed before, or by an earlier place of the batch)."""
        first: dict[tuple[str, str], int] = {}
        for place, key in enumerate(keys):
            first.setdefault(key, place)
        places = list(first.values())
        rows = session.connection().execute(
            _CLAIM_AND_STORE,
            {"places": places,
             "platforms": [keys[p][0] for p in places],
             "keys": [keys[p][1] for p in places],
             "kinds": [batch[p].kind for p in places],
             "bodies": [batch[p].body for p in places],
             "received": [batch[p].now for p in places],
             "until": [self._lease(batch[p].now) for p in places],
             "hours": [coarse_hour(batch[p].now) for p in places]},
        ).all()  # fmt: skip
        stored = sorted(int(n) for what, n in rows if what == 0)
        new = sorted(int(n) for what, n in rows if what == 1)
        ids: list[int | None] = [None] * len(batch)
        for place, row_id in zip(stored, new, strict=True):
            ids[place] = row_id
        if len(stored) < len(batch):
            log.info("duplicate events ignored", extra={"count": len(batch) - len(stored)})
        return ids

    def _row(self, one: _Accept) -> dict[str, object]:
        return {"platform": one.platform, "kind": one.kind, "body": one.body,
                "received_at": one.now, "taken_until": self._lease(one.now),
                "attempts": 1}  # fmt: skip

    async def done(self, item_id: int) -> None:
        await self._dones.submit(item_id)

    def _forget_all(self, batch: list[int]) -> list[None]:
        with transaction(self._sessions) as session:
            session.execute(delete(InboxRow).where(InboxRow.id.in_(batch)))
        return [None] * len(batch)

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


def purge_inbox(session: Session, now: datetime, keep: timedelta = KEEP) -> int:
    """Delete the rows no worker will finish: poison rows (`MAX_ATTEMPTS` failures) whose
    lease ran out, whatever the platform (its worker may be off), and every row received
    more than `keep` ago. Returns how many."""
    result = session.execute(
        delete(InboxRow).where(
            or_(
                InboxRow.received_at < now - keep,
                and_(InboxRow.attempts >= MAX_ATTEMPTS, InboxRow.taken_until < now),
            )
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def forget_sender(session: Session, needles: Iterable[str]) -> int:
    """Erasure: delete the unprocessed payloads that carry any of `needles`
    (the person's ids, e-mail), as JSON or form-encoded (Slack clicks and commands), in
    any case (Entra object ids and e-mail addresses are case-insensitive)."""
    forms = {
        form.lower()
        for needle in needles
        if len(needle) >= 3
        for form in (needle, quote(needle, safe=""), quote_plus(needle, safe=""))
    }
    if not forms:
        return 0
    body = func.lower(InboxRow.body)
    result = session.execute(
        delete(InboxRow).where(or_(*(body.contains(f, autoescape=True) for f in forms)))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
