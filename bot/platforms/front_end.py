"""The one shape every platform has: `FrontEnd`, built from its config and the shared context.

The composition root builds each enabled platform as `SomeFrontEnd(config, context)`,
mounts its routes on the one aiohttp server, registers its notifier for routine notices
and starts and closes it with the bot. A platform adapter sees only the chat layer and
routine ports: the pipeline (dedupe, identify, metrics, conversation) and the narrow
stores in `FrontEndContext`; never a database session or the settings object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from aiohttp import web

from bot.chat.delivery import ChannelEvents
from bot.chat.pipeline import Pipeline
from bot.chat.ports import Inbox, People, References
from routines.ports import Notifier


@dataclass(frozen=True)
class FrontEndContext:
    """What every front end is handed, the same for all of them."""

    pipeline: Pipeline
    references: References  # where to post later (Teams stores them; Slack needs none)
    people: People  # the identities the platform tells us (Teams: e-mail addresses)
    inbox: Inbox | None = None  # the durable inbox (None: events are processed directly)
    # "the bot was added to a channel" (Slack: member_joined_channel for the bot itself)
    channels: ChannelEvents = field(default_factory=ChannelEvents)


@runtime_checkable
class FrontEnd(Protocol):
    @property
    def platform(self) -> str:
        """ "slack", "teams" or "console": the `platform` of its Incoming and Recipients."""
        ...

    @property
    def notifier(self) -> Notifier:
        """Routine notices to people and channels on this platform."""
        ...

    def add_routes(self, app: web.Application) -> None:
        """Mount the platform's webhook(s) on the bot's one HTTP server (maybe none)."""
        ...

    async def start(self) -> None:
        """Open outgoing connections (Socket Mode, HTTP pools); called once at start."""
        ...

    async def close(self) -> None:
        """Finish replies in flight, then disconnect; called once at shutdown."""
        ...
