"""Bot-side table: where the bot can post later without being spoken to first.

Teams (and any platform like it) only lets a bot message a person or a channel
proactively with a stored conversation reference: the service URL, the conversation id,
the bot's and the user's ids. The Teams front end saves one when the bot is installed
and refreshes it on every message; routine delivery looks it up by whatever the routine
catalogue names: a user id, an AAD object id, an e-mail address or a channel id.

One row per (platform, kind, ref_key): `ref_key` is the person's stable id (on Teams
the AAD object id, the same id `Incoming.user_id` carries) or the channel id;
`user_id` keeps the platform's own user id (Teams: `29:...`) for lookups by it.
A person's row may hold a reference to a group conversation only (`personal=False`, seen in a
channel); a reference to their own 1:1 chat always wins and is never overwritten by it.

No display names are stored here (the people table holds identities); e-mail lookups
go through the people table. `forget_person` removes a person's rows on erasure.
`ReferenceStore` is what front ends are handed (`bot.chat.ports.References`); which
references an Activity gives is the platform's pure translation.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from bot.chat.ports import Reference, RefKind
from storage.base import Base
from storage.people import Person
from storage.sessions import transaction


class ConversationRefRow(Base):
    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("platform", "kind", "ref_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    ref_key: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    conversation_id: Mapped[str] = mapped_column(String(512))
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    reference: Mapped[str] = mapped_column(Text)  # the platform's reference, as JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _value(row: ConversationRefRow) -> Reference:
    kind: RefKind = "channel" if row.kind == "channel" else "person"
    return Reference(
        platform=row.platform,
        kind=kind,
        ref_key=row.ref_key,
        conversation_id=row.conversation_id,
        personal=row.personal,
        reference=json.loads(row.reference),
        user_id=row.user_id,
    )


def _find_row(
    session: Session, platform: str, kind: str, ref_key: str
) -> ConversationRefRow | None:
    return session.scalar(
        select(ConversationRefRow).where(
            ConversationRefRow.platform == platform,
            ConversationRefRow.kind == kind,
            ConversationRefRow.ref_key == ref_key,
        )
    )


def save_reference(
    session: Session,
    *,
    platform: str,
    kind: RefKind,
    ref_key: str,
    conversation_id: str,
    reference: Mapping[str, Any],
    now: datetime,
    personal: bool = False,
    user_id: str | None = None,
) -> Reference:
    """Insert or refresh one reference (race-safe on the unique key).

    A person's 1:1 reference is never replaced by a group one: the group reference is
    only kept while nothing better is known.
    """
    row = _find_row(session, platform, kind, ref_key)
    if row is None:
        row = ConversationRefRow(
            platform=platform,
            kind=kind,
            ref_key=ref_key,
            user_id=user_id,
            conversation_id=conversation_id,
            personal=personal,
            reference=json.dumps(dict(reference), sort_keys=True),
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
            return _value(row)
        except IntegrityError:
            row = _find_row(session, platform, kind, ref_key)
            if row is None:
                raise
    if user_id and row.user_id != user_id:
        row.user_id = user_id
    if personal or not row.personal:
        row.conversation_id = conversation_id
        row.personal = personal
        row.reference = json.dumps(dict(reference), sort_keys=True)
    row.updated_at = now
    session.flush()
    return _value(row)


def find_reference(
    session: Session, platform: str, kind: RefKind, address: str
) -> Reference | None:
    """The reference for a recipient named by user id, AAD object id, e-mail or channel id.

    The exact key is tried first; then, for people, the key without regard to case (AAD
    object ids and e-mail addresses are case-insensitive), the platform user id, and an
    e-mail address via the people table. A 1:1 reference is preferred.
    """
    address = address.strip()
    if not address:
        return None
    row = _find_row(session, platform, kind, address)
    if row is None and kind == "person":
        row = _find_person_row(session, platform, address)
    return _value(row) if row is not None else None


def _find_person_row(session: Session, platform: str, address: str) -> ConversationRefRow | None:
    folded = address.lower()
    condition: ColumnElement[bool]
    if "@" in address:
        # An e-mail address: the people table knows whose it is.
        keys = select(func.lower(Person.platform_user_id)).where(
            Person.platform == platform,
            Person.erased_at.is_(None),
            func.lower(Person.email) == folded,
        )
        condition = func.lower(ConversationRefRow.ref_key).in_(keys)
    else:
        condition = or_(
            func.lower(ConversationRefRow.ref_key) == folded,
            ConversationRefRow.user_id == address,
        )
    return session.scalars(
        select(ConversationRefRow)
        .where(
            ConversationRefRow.platform == platform,
            ConversationRefRow.kind == "person",
            condition,
        )
        .order_by(ConversationRefRow.personal.desc(), ConversationRefRow.updated_at.desc())
    ).first()


def forget_person(session: Session, platform: str, user_id: str) -> int:
    """Delete a person's references, named by stable id or platform user id, and take
    their ids out of any other reference that still names them (erasure)."""
    ids = {user_id} | {
        other
        for other in session.scalars(
            select(ConversationRefRow.user_id).where(
                ConversationRefRow.platform == platform,
                ConversationRefRow.kind == "person",
                func.lower(ConversationRefRow.ref_key) == user_id.lower(),
            )
        )
        if other
    }
    _strip_sender(session, platform, {i for i in ids if i})
    result = session.execute(
        delete(ConversationRefRow).where(
            ConversationRefRow.platform == platform,
            ConversationRefRow.kind == "person",
            or_(
                func.lower(ConversationRefRow.ref_key) == user_id.lower(),
                ConversationRefRow.user_id == user_id,
            ),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _strip_sender(session: Session, platform: str, ids: set[str]) -> int:
    """Remove the sender from references (channels, others' rows) that carry these ids."""
    if not ids:
        return 0
    rows = session.scalars(
        select(ConversationRefRow).where(
            ConversationRefRow.platform == platform,
            or_(*(ConversationRefRow.reference.contains(i) for i in ids)),
        )
    ).all()
    for row in rows:
        data = json.loads(row.reference)
        user = data.get("user") or {}
        if {str(user.get("id", "")), str(user.get("aadObjectId", ""))} & ids:
            data.pop("user", None)
            row.reference = json.dumps(data, sort_keys=True)
    session.flush()
    return len(rows)


def forget_conversation(session: Session, platform: str, conversation_id: str) -> int:
    """Delete every reference into one conversation (the bot was removed from it)."""
    result = session.execute(
        delete(ConversationRefRow).where(
            ConversationRefRow.platform == platform,
            ConversationRefRow.conversation_id == conversation_id,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def count_references(session: Session, platform: str | None = None) -> int:
    query = select(func.count()).select_from(ConversationRefRow)
    if platform is not None:
        query = query.where(ConversationRefRow.platform == platform)
    return int(session.scalar(query) or 0)


def save_references(session: Session, references: Sequence[Reference], now: datetime) -> int:
    """Save or refresh each reference (see `save_reference`); returns how many."""
    for ref in references:
        save_reference(
            session,
            platform=ref.platform,
            kind=ref.kind,
            ref_key=ref.ref_key,
            conversation_id=ref.conversation_id,
            reference=ref.reference,
            now=now,
            personal=ref.personal,
            user_id=ref.user_id,
        )
    return len(references)


class ReferenceStore:
    """The conversation_refs table for front ends (implements `bot.chat.ports.References`)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    async def remember(self, references: Sequence[Reference], now: datetime) -> int:
        def save() -> int:
            with transaction(self._sessions) as session:
                return save_references(session, references, now)

        return await asyncio.to_thread(save)

    async def forget_conversations(self, platform: str, conversation_ids: Sequence[str]) -> int:
        def forget() -> int:
            with transaction(self._sessions) as session:
                return sum(forget_conversation(session, platform, c) for c in conversation_ids)

        return await asyncio.to_thread(forget)

    async def find(self, platform: str, kind: RefKind, address: str) -> Reference | None:
        def find() -> Reference | None:
            with transaction(self._sessions) as session:
                return find_reference(session, platform, kind, address)

        return await asyncio.to_thread(find)
