"""Slack over HTTP through the durable inbox: a `/gdpr` slash command is stored (with its
claim) before Slack gets its 200, answered afterwards and forgotten; one a dead process
stored but never answered is answered by the next process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.chat.inbox_worker import InboxWorker
from bot.config import Settings
from bot.records.inbox import InboxRow, InboxStore
from storage.clock import utc_now
from storage.engines import make_engine
from storage.migrate import create_schema
from storage.sessions import session_factory
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import slash_command
from tests.bot.conftest import RunningBot

QUESTION = "hur länge sparar vi samtalsinspelningar"
ANSWER_TITLE = "Hur länge sparar vi samtalsinspelningar?"


def stored_rows(bot: RunningBot) -> list[tuple[str, str]]:
    with bot.services.sessions() as session:
        return [(row.platform, row.kind) for row in session.scalars(select(InboxRow))]


def hold_work(worker: InboxWorker) -> asyncio.Event:
    """Make the worker wait for the returned event before working on anything."""
    release = asyncio.Event()
    work: Callable[[str, str, bool], Awaitable[None]] = worker._work

    async def held(*args: Any) -> None:
        await release.wait()
        await work(*args)

    worker._work = held
    return release


async def test_a_slash_command_is_stored_before_the_ack_and_answered_after(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    slack = running_bot.services.slack
    assert slack is not None and slack._inbox is not None
    release = hold_work(slack._inbox)

    response = await running_bot.post_slack(slash_command(QUESTION, fake_slack.response_url()))

    assert response.status == 200
    assert stored_rows(running_bot) == [("slack", "command")]
    assert fake_slack.calls_to("response_url") == []
    release.set()
    [hook] = await fake_slack.wait_for("response_url")
    assert hook.params["response_type"] == "ephemeral"
    assert ANSWER_TITLE in hook.blocks_text
    await slack._inbox.settled()
    assert stored_rows(running_bot) == []


async def test_the_same_slash_command_delivered_twice_is_answered_once(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    body = slash_command(QUESTION, fake_slack.response_url())

    first = await running_bot.post_slack(body)
    again = await running_bot.post_slack(body)

    assert (first.status, again.status) == (200, 200)
    await fake_slack.wait_for("response_url")
    slack = running_bot.services.slack
    assert slack is not None and slack._inbox is not None
    await slack._inbox.settled()
    assert len(fake_slack.calls_to("response_url")) == 1


async def test_a_slash_command_stored_by_a_dead_process_is_answered_by_the_next(
    start_bot: Callable[[Settings], Awaitable[RunningBot]],
    bot_settings: Settings,
    fake_slack: FakeSlackApi,
) -> None:
    engine = make_engine(bot_settings.database_url)
    create_schema(engine)
    body = slash_command(QUESTION, fake_slack.response_url())
    dead = InboxStore(session_factory(engine), lease_seconds=bot_settings.inbox_lease_seconds)
    long_ago = utc_now() - timedelta(seconds=bot_settings.inbox_lease_seconds * 2)
    assert await dead.accept("slack", "trigger-of-the-dead", "command", body, long_ago)
    engine.dispose()

    bot = await start_bot(bot_settings)

    [hook] = await fake_slack.wait_for("response_url")
    assert ANSWER_TITLE in hook.blocks_text
    slack = bot.services.slack
    assert slack is not None and slack._inbox is not None
    await slack._inbox.settled()
    assert stored_rows(bot) == []
