"""Routines' `Notifier` port, for every platform the bot runs on at once.

`RouterNotifier` is what the routines engine is given: it picks the platform notifier
by `recipient.platform`. Each front end brings its own (bot/platforms/*/notifier.py);
the composition root registers them.
"""

from __future__ import annotations

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
