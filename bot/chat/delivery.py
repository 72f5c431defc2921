"""Routines' `Notifier` port, implemented for every platform the bot runs on.

`RouterNotifier` is what the routines engine is given: it picks the platform notifier
by `recipient.platform`. Slack's lives in bot/slack/notifier.py, Teams' in
bot/teams/notifier.py (registered by the composition root when Teams is enabled), and
the console's is here because it needs nothing but a place to write.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from bot.chat import metrics
from routines.ports import Delivered, DeliveryError, Notice, Notifier, Recipient


class RouterNotifier:
    def __init__(self, notifiers: dict[str, Notifier] | None = None) -> None:
        self._notifiers: dict[str, Notifier] = dict(notifiers or {})

    def register(self, platform: str, notifier: Notifier) -> None:
        self._notifiers[platform] = notifier

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(self._notifiers)

    def _for(self, platform: str) -> Notifier:
        notifier = self._notifiers.get(platform)
        if notifier is None:
            # Not configured here: retrying will not help until an admin configures it.
            raise DeliveryError(f"no notifier for platform {platform!r}", retryable=False)
        return notifier

    async def send(self, recipient: Recipient, notice: Notice) -> Delivered:
        delivered = await self._for(recipient.platform).send(recipient, notice)
        metrics.REMINDERS_POSTED.labels(notice.kind).inc()
        return delivered

    async def update(self, delivered: Delivered, notice: Notice) -> None:
        await self._for(delivered.recipient.platform).update(delivered, notice)


def render_notice_text(notice: Notice) -> str:
    """A notice as plain text, with the commands that stand in for its buttons."""
    lines = [f"** {notice.title} **", notice.text]
    if notice.due_date:
        lines.append(f"{notice.due_date.isoformat()}  {', '.join(notice.gdpr)}".rstrip())
    if notice.occurrence_id is not None and notice.actions:
        word = "kvittera" if notice.lang == "sv" else "ack"
        lines.append(f"-> {word} {notice.occurrence_id}")
    return "\n".join(line for line in lines if line)


class ConsoleNotifier:
    """Prints notices to the console chat (or any `write` callable)."""

    def __init__(self, write: Callable[[str], None] = print) -> None:
        self._write = write
        self._ids = itertools.count(1)

    async def send(self, recipient: Recipient, notice: Notice) -> Delivered:
        self._write(render_notice_text(notice))
        return Delivered(recipient=recipient, message_id=f"console-{next(self._ids)}")

    async def update(self, delivered: Delivered, notice: Notice) -> None:
        self._write(render_notice_text(notice))
