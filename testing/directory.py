"""An in-memory platform directory (`bot.chat.ports.Directory`) for policy tests.

`StaticDirectory(members={channel: {user ids}}, emails={address: user id})` answers like
a platform's API would; a channel it does not know answers None ("cannot tell"). It
counts calls, so a test can see the roster cache at work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class StaticDirectory:
    def __init__(
        self,
        members: Mapping[str, Iterable[str]] | None = None,
        emails: Mapping[str, str] | None = None,
    ) -> None:
        self.rosters = {c: frozenset(m) for c, m in (members or {}).items()}
        self.emails = {e.lower(): u for e, u in (emails or {}).items()}
        self.member_calls = 0

    async def members(self, channel_id: str) -> frozenset[str] | None:
        self.member_calls += 1
        return self.rosters.get(channel_id)

    async def user_by_email(self, email: str) -> str | None:
        return self.emails.get(email.lower())
