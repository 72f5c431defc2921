"""How routines talk to the outside world without knowing Slack or Teams.

Each platform implements `Notifier` (bot/platforms/*/notifier.py); the bot's router
(bot/chat/delivery.py) picks one by `Recipient.platform`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

NoticeKind = Literal["posted", "reminder", "escalation", "info"]
ActionKind = Literal["confirm", "not_applicable", "note", "quiz"]

# Action ids the chat front ends put on buttons; the value is the occurrence id.
ACTION_CONFIRM = "routine.confirm"
ACTION_NOT_APPLICABLE = "routine.na"
ACTION_NOTE = "routine.note"
# A training campaign's post: start (or resume) the quiz; the value is the occurrence id.
ACTION_QUIZ = "training.start"


@dataclass(frozen=True)
class Recipient:
    """A channel or a person on one platform, as written in the routine catalogue."""

    platform: str  # "slack" | "teams" | "console"
    kind: Literal["channel", "person"]
    address: str  # channel id/name, user id, AAD object id or e-mail


ACTION_IDS: dict[ActionKind, str] = {
    "confirm": ACTION_CONFIRM,
    "not_applicable": ACTION_NOT_APPLICABLE,
    "note": ACTION_NOTE,
    "quiz": ACTION_QUIZ,
}


@dataclass(frozen=True)
class NoticeAction:
    kind: ActionKind
    label: str
    value: str  # occurrence id

    @property
    def action_id(self) -> str:
        """The id a chat button for this action carries (`routine.confirm`, ...)."""
        return ACTION_IDS[self.kind]


@dataclass(frozen=True)
class Notice:
    """A routine message in neutral terms: the bot renders it per platform."""

    kind: NoticeKind
    routine_id: str
    title: str
    text: str  # light Markdown, already in `lang`
    lang: str = "sv"
    occurrence_id: int | None = None
    due_date: date | None = None
    gdpr: tuple[str, ...] = ()
    actions: tuple[NoticeAction, ...] = ()


@dataclass(frozen=True)
class Delivered:
    """Where a notice landed, so it can be updated in place later."""

    recipient: Recipient
    message_id: str
    conversation_id: str = ""


# Delivery problems an operator has to fix (the bot is not in the channel, the channel
# does not exist or is archived; Teams: the app was never installed in the channel): never
# retried, the routine's people are told once.
UNDELIVERABLE: frozenset[str] = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "not_installed"}
)


class DeliveryError(Exception):
    """A post failed; `retryable` says whether trying again later may succeed, and
    `problem` names a failure someone has to fix (one of UNDELIVERABLE, or "")."""

    def __init__(self, message: str, *, retryable: bool = True, problem: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable and not problem
        self.problem = problem


class Notifier(Protocol):
    async def send(self, recipient: Recipient, notice: Notice) -> Delivered: ...

    async def update(self, delivered: Delivered, notice: Notice) -> None: ...
