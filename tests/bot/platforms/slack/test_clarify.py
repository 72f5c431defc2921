""" "Did you mean" on Slack over real HTTP: Block Kit buttons, a click answered with the
article, and the clarification recorded as resolved in the question log."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.records.questions import QuestionRecord
from storage.sessions import transaction
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import block_action, dm
from tests.bot.clarifying import ask_back
from tests.bot.conftest import RunningBot


def _choice_buttons(post: object) -> list[dict[str, object]]:
    blocks = post.blocks  # type: ignore[attr-defined]
    return [
        element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if str(element["action_id"]).startswith("choice.")
    ]


async def test_did_you_mean_is_a_row_of_block_kit_buttons(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    ask_back(running_bot.services)

    await running_bot.post_slack(dm("recording breach"))

    [post] = await fake_slack.wait_for("chat.postMessage")
    assert "Did you mean" in post.blocks_text
    buttons = _choice_buttons(post)
    assert [b["action_id"] for b in buttons] == ["choice.article.1", "choice.article.2"]
    assert all(b["type"] == "button" and b["text"]["type"] == "plain_text" for b in buttons)
    assert {b["text"]["text"] for b in buttons} == {
        "How long do we keep call recordings?",
        "What do I do about a personal data breach?",
    }


async def test_clicking_a_choice_posts_the_articles_answer_and_records_it(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    ask_back(running_bot.services)
    await running_bot.post_slack(dm("recording breach"))
    [post] = await fake_slack.wait_for("chat.postMessage")
    button = next(b for b in _choice_buttons(post) if "breach" in str(b["text"]))
    question_id = int(json.loads(str(button["value"]))["c"])

    response = await running_bot.post_slack(
        block_action(str(button["action_id"]), str(button["value"]), fake_slack.response_url())
    )

    assert response.status == 200
    [_, answer] = await fake_slack.wait_for("chat.postMessage", 2)
    assert "What do I do about a personal data breach?" in answer.blocks_text
    assert any(b["type"] == "context" for b in answer.blocks)  # the source line
    assert answer.action_values("answer.up") == [str(question_id)]
    with transaction(running_bot.services.sessions) as session:
        row = session.scalars(select(QuestionRecord).where(QuestionRecord.id == question_id)).one()
        assert (row.answered, row.article_id) == (False, "personal-data-breach")
