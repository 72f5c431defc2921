"""Degrade, don't fail: with the database down, questions and help are still answered
(the articles are in memory); what needs the database says "try again"; /metrics counts
the question-log writes that were skipped."""

from __future__ import annotations

import pytest

from storage.engines import make_engine
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import dm
from tests.bot.conftest import RunningBot

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/none"


@pytest.fixture
def database_down(running_bot: RunningBot) -> RunningBot:
    """Every store's sessions now connect to a server that refuses connections."""
    running_bot.services.sessions.configure(bind=make_engine(UNREACHABLE))
    return running_bot


async def test_a_question_is_answered_while_the_database_is_down(
    database_down: RunningBot, fake_slack: FakeSlackApi
) -> None:
    response = await database_down.post_slack(dm("hur länge sparar vi samtalsinspelningar?"))

    assert response.status == 200
    [post] = await fake_slack.wait_for("chat.postMessage")
    assert "Hur länge sparar vi samtalsinspelningar?" in post.blocks_text


async def test_help_is_answered_while_the_database_is_down(
    database_down: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await database_down.post_slack(dm("help"))

    [post] = await fake_slack.wait_for("chat.postMessage")
    assert "routines" in post.blocks_text.lower()


async def test_skipped_question_log_writes_are_counted(
    database_down: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await database_down.post_slack(dm("how long do we keep call recordings?"))
    await fake_slack.wait_for("chat.postMessage")

    async with database_down.http.get(f"{database_down.url}/metrics") as response:
        body = await response.text()

    assert 'gdprbot_errors_total{kind="question_log_skipped"}' in body
