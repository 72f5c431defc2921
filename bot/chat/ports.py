"""What the chat layer, features and platforms need from storage, as narrow protocols.

bot/records implements each one; the composition root (bot/app.py) hands them out. A
caller sees no session, no SQL and no transaction: every method is one unit of work in a
worker thread, and takes `now` when it records something (time is passed in).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

RefKind = Literal["person", "channel"]
Vote = Literal["up", "down"]


@dataclass(frozen=True)
class Reference:
    """Where the bot can post later without being spoken to first (Teams needs one).

    `ref_key` is a person's stable id (Teams: the AAD object id) or a channel id;
    `user_id` the platform's own user id; `personal` says the reference is to the
    person's 1:1 chat (best for reminders). `reference` is the platform's own data.
    """

    platform: str
    kind: RefKind
    ref_key: str
    conversation_id: str
    personal: bool = False
    reference: Mapping[str, Any] = field(default_factory=dict)
    user_id: str | None = None


class EventClaims(Protocol):
    """Exactly once by the database: the first claim of (platform, event key) wins."""

    async def claim(
        self, platform: str, key: str | None, now: datetime, *, remember: Sequence[Reference] = ()
    ) -> bool:
        """True the first time `key` is claimed (always True without a key); `remember`
        saves references in the same transaction."""
        ...


@dataclass(frozen=True)
class InboxItem:
    """An acknowledged event not yet processed: its row, what it is, the raw payload."""

    id: int
    kind: str
    body: str


class Inbox(Protocol):
    """The durable inbox: an event is stored (with its dedupe claim, in one transaction)
    before the platform gets its acknowledgement, and deleted once processed; a process
    that dies leaves its rows behind, and any replica takes them after the lease."""

    lease_seconds: float

    async def accept(
        self, platform: str, key: str, kind: str, body: str, now: datetime
    ) -> int | None:
        """Claim `key` and store `body`: the row id, or None if `key` was claimed before."""
        ...

    async def done(self, item_id: int) -> None:
        """The event was processed: forget its payload."""
        ...

    async def take_due(self, platform: str, now: datetime) -> list[InboxItem]:
        """Rows whose lease ran out (their process died), leased anew to the caller."""
        ...


class References(Protocol):
    """Stored conversation references, for proactive messages."""

    async def remember(self, references: Sequence[Reference], now: datetime) -> int: ...

    async def forget_conversations(self, platform: str, conversation_ids: Sequence[str]) -> int:
        """The bot was removed from these conversations: forget every reference into them."""
        ...

    async def find(self, platform: str, kind: RefKind, address: str) -> Reference | None:
        """By user id, stable id, e-mail address or channel id; a 1:1 reference first."""
        ...


class People(Protocol):
    """The one table of identities, as far as the chat needs it."""

    async def learn(self, platform: str, user_id: str, now: datetime, *, email: str) -> None:
        """Remember a person's e-mail address (routines may name people by one)."""
        ...

    async def email_of(self, platform: str, user_id: str) -> str | None:
        """The e-mail address known for a platform user (None once erased)."""
        ...


class QuestionLog(Protocol):
    """Where questions and 👍/👎 go (the anonymous question log, or nowhere)."""

    async def record_question(
        self,
        *,
        text: str,
        lang: str,
        answered: bool,
        article_id: str | None,
        score: float,
        now: datetime,
    ) -> int | None: ...

    async def record_feedback(
        self, question_id: int, vote: Vote, now: datetime, *, voter: str
    ) -> bool:
        """Count a vote once per `voter` (platform:user id) and answer: True if it counted.
        The voter is never stored (only in a keyed, short-lived dedupe key)."""
        ...

    async def record_clarification_resolved(
        self, question_id: int, article_id: str, now: datetime
    ) -> bool:
        """A "did you mean" on this question was answered by clicking `article_id`: True
        the first time (a second click, or another option later, does not count)."""
        ...


class Directory(Protocol):
    """What a platform's own API says about people and channels (never a request's claim).

    The authorisation policy (bot/authz) asks it; each platform that can answer implements
    it (Slack: conversations.members, users.lookupByEmail). None means "cannot tell".
    """

    async def members(self, channel_id: str) -> frozenset[str] | None:
        """The user ids in a channel (cached briefly by the implementation)."""
        ...

    async def user_by_email(self, email: str) -> str | None:
        """The user id the platform's directory holds for a verified e-mail address."""
        ...


@dataclass(frozen=True)
class ClientLookup:
    """Which client (of a customer-service company's directory) a message is about.

    `client_id` when one is known (named in the text, or the channel's client); otherwise
    `choices` are the likely clients to offer as "Vilken kund gäller det?" buttons (label,
    client id), best first, and empty when the installation knows no clients.
    """

    client_id: str | None
    choices: tuple[tuple[str, str], ...] = ()
    question: str | None = None  # the text without the client's name, to answer instead


class ClientContext(Protocol):
    """The client directory as the conversation asks it (bot/features/desk_clients.py)."""

    def lookup(self, text: str, conversation_id: str | None) -> ClientLookup: ...

    def values(self, client_id: str, lang: str) -> Mapping[str, str] | None:
        """The client's `{{client.X}}` placeholder values; None when the id is unknown."""
        ...
