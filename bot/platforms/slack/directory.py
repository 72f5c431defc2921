"""Slack's own answers about people and channels, for the authorisation policy.

`members(channel)` is `conversations.members` (every page), cached for a few minutes so a
burst of clicks costs one call (clicks arriving while it is being read wait for that
read instead of each reading the roster again: a burst's first clicks all miss the cache
together, and a big channel is many pages against Slack's rate limit); `user_by_email`
is `users.lookupByEmail` (an address the workspace verified). A failure (missing scope,
Slack down) answers None: "cannot tell", which the policy treats as "not a member".
"""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

ROSTER_TTL_SECONDS = 300.0
MAX_PAGES = 50  # 50 x 1000 members; a bigger channel is read up to here


class SlackDirectory:
    """A `bot.chat.ports.Directory` over the Slack Web API."""

    def __init__(self, client: AsyncWebClient, *, ttl: float = ROSTER_TTL_SECONDS) -> None:
        self._client = client
        self._ttl = ttl
        self._rosters: dict[str, tuple[float, frozenset[str]]] = {}
        self._reading: dict[str, asyncio.Future[frozenset[str] | None]] = {}

    async def members(self, channel_id: str) -> frozenset[str] | None:
        now = time.monotonic()
        cached = self._rosters.get(channel_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        reading = self._reading.get(channel_id)
        if reading is not None:  # being read for another click: share its answer
            return await asyncio.shield(reading)
        read = asyncio.ensure_future(self._read(channel_id, now))
        self._reading[channel_id] = read
        read.add_done_callback(lambda _: self._reading.pop(channel_id, None))
        return await asyncio.shield(read)  # a caller cancelled: the read goes on for others

    async def _read(self, channel_id: str, now: float) -> frozenset[str] | None:
        found: set[str] = set()
        cursor: str | None = None
        try:
            for _ in range(MAX_PAGES):
                page = await self._client.conversations_members(
                    channel=channel_id, limit=1000, cursor=cursor
                )
                found.update(str(m) for m in page.get("members") or ())
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except (SlackApiError, aiohttp.ClientError, TimeoutError):
            log.warning("conversations.members failed; channel membership unknown")
            return None
        roster = frozenset(found)
        self._rosters[channel_id] = (now, roster)
        return roster

    async def user_by_email(self, email: str) -> str | None:
        try:
            found = await self._client.users_lookupByEmail(email=email)
        except (SlackApiError, aiohttp.ClientError, TimeoutError):
            return None
        user = found.get("user") or {}
        return str(user.get("id") or "") or None
