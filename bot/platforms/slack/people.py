"""Who is asking on Slack: the sender's name and e-mail, from users.info (cached)."""

from __future__ import annotations

import dataclasses
import logging
import time

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.messages import Incoming

log = logging.getLogger(__name__)

PEOPLE_TTL_SECONDS = 3600.0


class SlackPeople:
    """The pipeline's identify step for Slack (routines may be assigned by e-mail address)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._people: dict[str, tuple[float, str | None, str | None]] = {}

    async def identify(self, incoming: Incoming) -> Incoming:
        """Add the user's name and e-mail (routines may be assigned by e-mail address).

        One users.info call per user per hour, cached in memory; without it (missing
        scope, Slack down) the conversation still works with the user id alone.
        """
        now = time.monotonic()
        cached = self._people.get(incoming.user_id)
        if cached is None or now - cached[0] > PEOPLE_TTL_SECONDS:
            name: str | None = None
            email: str | None = None
            try:
                found = await self._client.users_info(user=incoming.user_id)
                user = found.get("user") or {}
                profile = user.get("profile") or {}
                name = profile.get("display_name") or user.get("real_name") or user.get("name")
                email = profile.get("email")
            except (SlackApiError, aiohttp.ClientError, TimeoutError):
                log.info("users.info failed; continuing without name and e-mail")
            cached = (now, name or None, email or None)
            self._people[incoming.user_id] = cached
        _, name, email = cached
        return dataclasses.replace(
            incoming,
            display_name=incoming.display_name or name,
            email=incoming.email or email,
        )
