"""What the scale tests read back from the shared PostgreSQL schema."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, func, select

from routines import ledger
from routines.engine.models import POST, SENT, Confirmation, Notification, Occurrence, PostedMessage
from storage.people import Person

# Only the scale catalogue's routines: the shipped catalogue is loaded too, and on some
# days one of its routines falls due and is posted (to the console channel) beside them.
SCALE_ONLY = Occurrence.routine_id.startswith("scale-")


def _scale_posts(query: Select[Any]) -> Select[Any]:
    """`query` over the scale routines' POST notifications."""
    return query.join(Occurrence, Occurrence.id == Notification.occurrence_id).where(
        Notification.kind == POST, SCALE_ONLY
    )


@dataclass
class ScaleDatabase:
    engine: Engine

    def count_occurrences(self) -> int:
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(Occurrence).where(SCALE_ONLY)
            return int(conn.scalar(query) or 0)

    def posts_marked_sent(self) -> int:
        query = _scale_posts(select(func.count()).select_from(Notification)).where(
            Notification.status == SENT
        )
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def posted_messages(self) -> list[tuple[int, str, str]]:
        """(occurrence, channel, message ts) of every recorded post."""
        query = (
            select(
                PostedMessage.occurrence_id, PostedMessage.conversation_id, PostedMessage.message_id
            )
            .join(Occurrence, Occurrence.id == PostedMessage.occurrence_id)
            .where(SCALE_ONLY)
        )
        with self.engine.connect() as conn:
            return [(int(o), str(c), str(m)) for o, c, m in conn.execute(query)]

    def pending_posts_claimed_by(self, owner_prefix: str) -> int:
        """POST rows still pending that `owner_prefix` (host:pid:) holds or held a lease on."""
        query = _scale_posts(select(func.count()).select_from(Notification)).where(
            Notification.status != SENT, Notification.claimed_by.startswith(owner_prefix)
        )
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def sent_by_owner(self) -> Counter[str]:
        """Posts marked sent, per replica pid (the owner is host:pid:nonce)."""
        query = _scale_posts(select(Notification.claimed_by)).where(Notification.status == SENT)
        with self.engine.connect() as conn:
            return Counter(str(owner).split(":")[1] for owner in conn.scalars(query) if owner)

    def confirmations(self) -> Counter[int]:
        """Confirmations per occurrence."""
        with self.engine.connect() as conn:
            return Counter(int(o) for o in conn.scalars(select(Confirmation.occurrence_id)))

    def confirmation_entries(self) -> Counter[int]:
        """Ledger entries `confirmation.recorded` per occurrence."""
        query = select(ledger.LedgerEntry.occurrence_id).where(
            ledger.LedgerEntry.event == ledger.CONFIRMATION_RECORDED
        )
        with self.engine.connect() as conn:
            return Counter(int(o) for o in conn.scalars(query) if o is not None)

    def sent_occurrences_by(self, owner_prefix: str) -> set[int]:
        """Occurrences whose post `owner_prefix` (host:pid:) marked sent itself."""
        query = _scale_posts(select(Notification.occurrence_id)).where(
            Notification.status == SENT, Notification.claimed_by.startswith(owner_prefix)
        )
        with self.engine.connect() as conn:
            return {int(o) for o in conn.scalars(query)}

    def confirmations_of(self, occurrence_ids: Iterable[int]) -> int:
        """How many of these occurrences have at least one confirmation."""
        ids = list(occurrence_ids)
        query = select(func.count(func.distinct(Confirmation.occurrence_id))).where(
            Confirmation.occurrence_id.in_(ids)
        )
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def confirmed_users(self, users: Iterable[str]) -> set[str]:
        """Which of these Slack user ids have a committed confirmation."""
        query = (
            select(Person.platform_user_id)
            .join(Confirmation, Confirmation.person_key == Person.person_key)
            .where(Person.platform == "slack", Person.platform_user_id.in_(list(users)))
        )
        with self.engine.connect() as conn:
            return {str(u) for u in conn.scalars(query)}
