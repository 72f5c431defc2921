"""Slack over HTTP through the durable inbox: a `/gdpr` slash command is stored (with its
claim) before Slack gets its 200, answered afterwards and forgotten; one a dead process
stored but never answered is answered by the next process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.config import Settings
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import slash_command
from tests.bot.conftest import RunningBot
from tests.bot.platforms.inbox_helpers import hold_work, stored_by_a_dead_process, stored_rows

QUESTION = "hur länge sparar vi samtalsinspelningar"
ANSWER_TITLE = "Hur länge sparar vi samtalsinspelningar?"


async def test_a_slash_command_is_stored_before_the_ack_and_answered_after(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    slack = running_bot.services.slack
    assert slack is not None
    release = hold_work(slack._inbox)

    response = await running_bot.post_slack(slash_command(QUESTION, fake_slack.response_url()))

    assert response.status == 200
    assert stored_rows(running_bot.services.sessions) == [("slack", "command")]
    assert fake_slack.calls_to("response_url") == []
    release.set()
    [hook] = await fake_slack.wait_for("response_url")
    assert hook.params["response_type"] == "ephemeral"
    assert ANSWER_TITLE in hook.blocks_text
    await slack.settled()
    assert stored_rows(running_bot.services.sessions) == []


async def test_the_same_slash_command_delivered_twice_is_answered_once(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    body = slash_command(QUESTION, fake_slack.response_url())

    first = await running_bot.post_slack(body)
    again = await running_bot.post_slack(body)

    assert (first.status, again.status) == (200, 200)
    await fake_slack.wait_for("response_url")
    slack = running_bot.services.slack
    assert slack is not None
    await slack.settled()
    assert len(fake_slack.calls_to("response_url")) == 1


async def test_a_slash_command_stored_by_a_dead_process_is_answered_by_the_next(
    start_bot: Callable[[Settings], Awaitable[RunningBot]],
    bot_settings: Settings,
    fake_slack: FakeSlackApi,
) -> None:
    body = slash_command(QUESTION, fake_slack.response_url())
    await stored_by_a_dead_process(bot_settings, "slack", "trigger-1", "command", body)

    bot = await start_bot(bot_settings)

    [hook] = await fake_slack.wait_for("response_url")
    assert ANSWER_TITLE in hook.blocks_text
    slack = bot.services.slack
    assert slack is not None
    await slack.settled()
    assert stored_rows(bot.services.sessions) == []
