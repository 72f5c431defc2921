"""Routines' `Notifier` port, for every platform the bot runs on at once.

`RouterNotifier` is what the routines engine is given: it picks the platform notifier
by `recipient.platform`. Each front end brings its own (bot/platforms/*/notifier.py);
the composition root registers them.

`ChannelEvents` carries "the bot was added to a channel" from a front end to whoever
listens (the routines: a post that could not be delivered there goes out at once).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

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


class ChannelEvents:
    """Front ends report the bot joining a channel; listeners are called in turn."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[str, str], Awaitable[object]]] = []

    def listen(self, listener: Callable[[str, str], Awaitable[object]]) -> None:
        self._listeners.append(listener)

    async def bot_joined(self, platform: str, channel_id: str) -> None:
        for listener in self._listeners:
            await listener(platform, channel_id)
