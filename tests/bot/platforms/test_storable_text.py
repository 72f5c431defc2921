"""Characters a platform's JSON may carry but a database refuses, on PostgreSQL.

A JSON string may hold `\\u0000` (PostgreSQL's text type refuses NUL) or a lone
surrogate (UTF-8 cannot encode one). The question is answered and logged all the same,
without them, and its feedback buttons work: what people send is made storable once,
before the conversation, for every platform.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.records.questions import QuestionRecord
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import dm
from tests.bot.conftest import RunningBot
from tests.bot.platforms.teams.fixtures import StartTeamsBot, action_ids, only

pytestmark = pytest.mark.postgres

QUESTION = "hur länge sparar vi\u0000 samtalsinspelningar\ud83d?"
STORED = "hur länge sparar vi samtalsinspelningar??"  # NUL gone, the surrogate a "?"


def logged_questions(bot: Any) -> list[str]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(QuestionRecord.text)))


async def test_a_slack_question_with_nul_and_a_lone_surrogate_is_logged_without_them(
    start_bot: Callable[[Settings], Any],
    bot_settings: Settings,
    migrated_postgres_url: str,
    fake_slack: FakeSlackApi,
) -> None:
    bot: RunningBot = await start_bot(
        bot_settings.model_copy(update={"database_url": migrated_postgres_url})
    )

    await bot.post_slack(dm(QUESTION))

    [post] = await fake_slack.wait_for("chat.postMessage")
    assert post.action_values("answer.up")
    assert logged_questions(bot) == [STORED]


async def test_a_teams_question_with_nul_and_a_lone_surrogate_is_logged_without_them(
    start_teams_bot: StartTeamsBot, migrated_postgres_url: str
) -> None:
    bot = await start_teams_bot(database_url=migrated_postgres_url)

    reply = only(await bot.say(QUESTION))

    assert "answer.up" in action_ids(reply.card)
    assert logged_questions(bot) == [STORED]
