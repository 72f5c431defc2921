"""Slack's answers about channels for the policy: a roster read once for many clicks."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.platforms.slack.directory import SlackDirectory


class SlowRoster:
    """`conversations.members` that answers only when released, counting the calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.called = asyncio.Event()
        self.release = asyncio.Event()

    async def conversations_members(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        self.called.set()
        await self.release.wait()
        return {"members": ["U1", "U2"], "response_metadata": {"next_cursor": ""}}


async def test_clicks_arriving_while_a_roster_is_read_share_that_read() -> None:
    slack = SlowRoster()
    directory = SlackDirectory(slack)  # type: ignore[arg-type]
    first = asyncio.ensure_future(directory.members("C1"))
    await slack.called.wait()
    others = [asyncio.ensure_future(directory.members("C1")) for _ in range(5)]
    slack.release.set()
    rosters = await asyncio.gather(first, *others)
    assert rosters == [frozenset({"U1", "U2"})] * 6
    assert slack.calls == 1


async def test_a_click_given_up_on_leaves_the_roster_read_for_the_others() -> None:
    slack = SlowRoster()
    directory = SlackDirectory(slack)  # type: ignore[arg-type]
    first = asyncio.ensure_future(directory.members("C1"))
    await slack.called.wait()
    second = asyncio.ensure_future(directory.members("C1"))
    await asyncio.sleep(0)  # (lets the second join the read)
    first.cancel()
    slack.release.set()
    assert await second == frozenset({"U1", "U2"})
    assert slack.calls == 1
