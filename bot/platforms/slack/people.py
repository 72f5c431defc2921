"""Who is asking on Slack: the sender's name, e-mail and whether they belong to the
organisation, from users.info (cached)."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.messages import Incoming

log = logging.getLogger(__name__)

PEOPLE_TTL_SECONDS = 3600.0
_FAILURES = (SlackApiError, aiohttp.ClientError, TimeoutError)


class SlackPeople:
    """The pipeline's identify step for Slack (routines may be assigned by e-mail address;
    the authorisation policy refuses external people)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._people: dict[str, tuple[float, str | None, str | None, bool | None]] = {}
        self._home: tuple[str, str] | None = None  # (team id, enterprise id) of our install

    async def identify(self, incoming: Incoming) -> Incoming:
        """Add the user's name and e-mail, and whether they are the organisation's.

        One users.info call per user per hour, cached in memory (and one auth.test per
        process, for the installation's own team); without it (missing scope, Slack down)
        the conversation still works with the user id alone, and membership is unknown
        (None: treated as the organisation's, as before this was looked at).
        """
        now = time.monotonic()
        cached = self._people.get(incoming.user_id)
        if cached is None or now - cached[0] > PEOPLE_TTL_SECONDS:
            name: str | None = None
            email: str | None = None
            member: bool | None = None
            try:
                found = await self._client.users_info(user=incoming.user_id)
                user = found.get("user") or {}
                profile = user.get("profile") or {}
                name = profile.get("display_name") or user.get("real_name") or user.get("name")
                email = profile.get("email")
                member = is_member(user, await self._home_team())
            except _FAILURES:
                log.info("users.info failed; continuing without name and e-mail")
            cached = (now, name or None, email or None, member)
            self._people[incoming.user_id] = cached
        _, name, email, member = cached
        return dataclasses.replace(
            incoming,
            display_name=incoming.display_name or name,
            email=incoming.email or email,
            member=member,
        )

    async def _home_team(self) -> tuple[str, str] | None:
        """(team id, enterprise id) the bot is installed in: auth.test, once per process
        (None while Slack cannot say: then only the guest flags decide)."""
        if self._home is None:
            try:
                found = await self._client.auth_test()
            except _FAILURES:
                log.info("auth.test failed; the installation's team is unknown for now")
                return None
            self._home = (str(found.get("team_id") or ""), str(found.get("enterprise_id") or ""))
        return self._home


def is_member(user: Mapping[str, Any], home: tuple[str, str] | None) -> bool:
    """A users.info user is the organisation's: not a guest (`is_restricted`: multi-channel,
    `is_ultra_restricted`: single-channel), not a stranger (`is_stranger`: a Slack Connect
    person outside the workspace), and of the installation's team or, on Enterprise Grid,
    of its enterprise."""
    if user.get("is_restricted") or user.get("is_ultra_restricted") or user.get("is_stranger"):
        return False
    team = str(user.get("team_id") or "")
    if home is None or not team or not home[0] or team == home[0]:
        return True
    enterprise = str((user.get("enterprise_user") or {}).get("enterprise_id") or "")
    return bool(home[1]) and enterprise == home[1]
