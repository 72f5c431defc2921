"""Teams conversation references in the database, for the async handler and notifier.

Which rows an Activity produces:
- a personal (1:1) chat: the sender's person row, marked personal (best for reminders);
- a channel (or the team's General channel on install): the channel row, keyed by the
  channel id without the `;messageid=` thread suffix, plus the sender's person row as a
  group reference (enough to open a 1:1 chat with them later);
- a group chat: a channel row keyed by the chat's conversation id, plus the sender.
The database work runs in a worker thread (SQLAlchemy is synchronous here).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.platforms.teams.activities import channel_id_of, is_personal, reference_from_activity
from bot.records.references import (
    RefKind,
    StoredReference,
    find_reference,
    forget_conversation,
    save_reference,
)
from storage.sessions import transaction

PLATFORM = "teams"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _sender_ids(activity: Mapping[str, Any]) -> tuple[str, str] | None:
    """(stable id, Bot Framework user id) of the sender; the stable id is the AAD id."""
    sender = activity.get("from")
    if not isinstance(sender, Mapping):
        return None
    user_id = sender.get("id")
    if not isinstance(user_id, str) or not user_id:
        return None
    aad = sender.get("aadObjectId")
    return (aad if isinstance(aad, str) and aad else user_id), user_id


def _with_conversation_id(reference: Mapping[str, Any], conversation_id: str) -> dict[str, Any]:
    conversation = dict(reference.get("conversation") or {})
    conversation["id"] = conversation_id
    return {**reference, "conversation": conversation}


def remember_activity(session: Session, activity: Mapping[str, Any], now: datetime) -> int:
    """Save or refresh every reference this Activity gives; returns how many rows it touched."""
    conversation = activity.get("conversation")
    if not isinstance(conversation, Mapping) or not activity.get("serviceUrl"):
        return 0
    conversation_id = conversation.get("id")
    if not isinstance(conversation_id, str) or not conversation_id:
        return 0
    reference = reference_from_activity(activity)
    touched = 0
    if not is_personal(activity):
        channel_id = channel_id_of(activity) or conversation_id
        save_reference(
            session,
            platform=PLATFORM,
            kind="channel",
            ref_key=channel_id,
            conversation_id=channel_id,
            reference=_with_conversation_id(reference, channel_id),
            now=now,
        )
        touched += 1
    sender = _sender_ids(activity)
    if sender is not None and activity.get("from", {}).get("role") != "bot":
        stable_id, user_id = sender
        save_reference(
            session,
            platform=PLATFORM,
            kind="person",
            ref_key=stable_id,
            user_id=user_id,
            conversation_id=conversation_id,
            reference=reference,
            personal=is_personal(activity),
            now=now,
        )
        touched += 1
    return touched


def forget_activity_conversation(session: Session, activity: Mapping[str, Any]) -> int:
    """Drop the references into the conversation this Activity belongs to (bot removed)."""
    conversation = activity.get("conversation")
    if not isinstance(conversation, Mapping):
        return 0
    conversation_id = conversation.get("id")
    if not isinstance(conversation_id, str) or not conversation_id:
        return 0
    channel_id = channel_id_of(activity) if not is_personal(activity) else None
    forgotten = forget_conversation(session, PLATFORM, conversation_id)
    if channel_id and channel_id != conversation_id:
        forgotten += forget_conversation(session, PLATFORM, channel_id)
    return forgotten


class TeamsReferences:
    """Async face of the conversation_refs table for the Teams front end."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    async def remember(self, activity: Mapping[str, Any], now: datetime) -> int:
        return await asyncio.to_thread(self._remember, activity, now)

    def _remember(self, activity: Mapping[str, Any], now: datetime) -> int:
        with transaction(self._sessions) as session:
            return remember_activity(session, activity, now)

    async def forget(self, activity: Mapping[str, Any]) -> int:
        def forget() -> int:
            with transaction(self._sessions) as session:
                return forget_activity_conversation(session, activity)

        return await asyncio.to_thread(forget)

    async def find(self, kind: RefKind, address: str) -> StoredReference | None:
        return await asyncio.to_thread(self._find, kind, address)

    def _find(self, kind: RefKind, address: str) -> StoredReference | None:
        with transaction(self._sessions) as session:
            return find_reference(session, PLATFORM, kind, address)

    async def save_personal(
        self,
        *,
        stable_id: str,
        user_id: str,
        reference: Mapping[str, Any],
        now: datetime,
    ) -> StoredReference:
        """Keep the 1:1 chat the bot just opened with someone, so the next notice reuses it."""

        def save() -> StoredReference:
            with transaction(self._sessions) as session:
                conversation = reference.get("conversation") or {}
                return save_reference(
                    session,
                    platform=PLATFORM,
                    kind="person",
                    ref_key=stable_id,
                    user_id=user_id,
                    conversation_id=str(conversation.get("id", "")),
                    reference=reference,
                    personal=True,
                    now=now,
                )

        return await asyncio.to_thread(save)
