"""A training campaign in Slack, through the real /slack/events endpoint against the fake
Web API: the quiz arrives in a DM with a button, each answer is a button click, the pass is
recorded as evidence, and the same click delivered twice counts once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from routines import ledger
from routines.engine.training import TrainingAttempt
from routines.ports import ACTION_QUIZ
from testing.slack_api import Call, FakeSlackApi
from testing.slack_payloads import dm, mention
from tests.bot.conftest import RunningBot
from tests.bot.test_platform_routines import click_payload, people
from tests.bot.training_env import (
    CLICKED,
    QUIZ,
    ledger_payloads,
    post_campaign,
    question_in,
    write_campaign,
)

ANNA = "UANNA"


def quiz_buttons(call: Call) -> list[dict[str, Any]]:
    return [
        element
        for block in call.blocks
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if str(element.get("action_id", "")).startswith("choice.quiz.")
    ]


def right_element(call: Call) -> dict[str, Any]:
    question = question_in(call.blocks_text.replace("\\n", "\n"))
    return next(
        e for e in quiz_buttons(call) if question.is_right(int(json.loads(e["value"])["v"]))
    )


@pytest.fixture
async def campaign(
    start_bot: Callable[[Settings], Any],
    bot_settings: Settings,
    fake_slack: FakeSlackApi,
    tmp_path: Path,
) -> tuple[RunningBot, FakeSlackApi, int]:
    catalogue = write_campaign(
        tmp_path / "routines.yaml", f"slack:{ANNA}", "{platform: slack, person: ULEAD}"
    )
    people(fake_slack)
    settings = bot_settings.model_copy(
        update={"routines_files": [str(catalogue)], "quiz_dirs": [str(QUIZ)]}
    )
    bot: RunningBot = await start_bot(settings)
    bot.services.clock = lambda: CLICKED
    occurrence_id = await post_campaign(bot.services, catalogue)
    return bot, fake_slack, occurrence_id


async def click(bot: RunningBot, action_id: str, value: str, channel: str, **extra: Any) -> None:
    body = click_payload(action_id, value, user=ANNA, channel=channel, message_ts="1.0", **extra)
    response = await bot.post_slack(body)
    assert response.status == 200


async def test_the_quiz_arrives_in_a_dm_and_a_pass_is_recorded(
    campaign: tuple[RunningBot, FakeSlackApi, int],
) -> None:
    bot, slack, occurrence_id = campaign
    [post] = slack.calls_to("chat.postMessage")
    assert post.action_values(ACTION_QUIZ) == [str(occurrence_id)]
    channel = str(post.params["channel"])
    await click(bot, ACTION_QUIZ, str(occurrence_id), channel)
    for posts in (2, 4):  # the campaign, question 1; then "right!" and question 2
        [*_, question] = await slack.wait_for("chat.postMessage", posts)
        element = right_element(question)
        await click(bot, element["action_id"], element["value"], channel)
    await slack.wait_for("chat.postMessage", 6)
    texts = " ".join(
        c.blocks_text + str(c.params.get("text", "")) for c in slack.calls_to("chat.postMessage")
    )
    assert "Godkänt: 2 av 2 rätt" in texts
    [result] = ledger_payloads(bot.services.sessions, ledger.TRAINING_RESULT)
    assert result["passed"] is True


async def test_the_same_click_delivered_twice_is_counted_once(
    campaign: tuple[RunningBot, FakeSlackApi, int],
) -> None:
    bot, slack, occurrence_id = campaign
    [post] = slack.calls_to("chat.postMessage")
    channel = str(post.params["channel"])
    await click(bot, ACTION_QUIZ, str(occurrence_id), channel)
    [*_, question] = await slack.wait_for("chat.postMessage", 2)
    element = right_element(question)
    same = f"{time.time():.6f}"
    await click(bot, element["action_id"], element["value"], channel, action_ts=same)
    await click(bot, element["action_id"], element["value"], channel, action_ts=same)
    await click(bot, element["action_id"], element["value"], channel)  # an impatient 2nd click
    assert bot.services.slack is not None
    await bot.services.slack.close()  # drain the acknowledged clicks
    with bot.services.sessions() as session:
        [attempt] = session.query(TrainingAttempt).all()
        assert (attempt.position, attempt.right) == (1, 1)


async def test_the_team_lead_gets_the_training_report_uploaded_to_their_dm(
    campaign: tuple[RunningBot, FakeSlackApi, int],
) -> None:
    bot, slack, _ = campaign
    response = await bot.post_slack(dm("rapport utbildning 2027-Q1", user="ULEAD"))
    assert response.status == 200
    await slack.wait_for("files.completeUploadExternal")
    [url] = slack.calls_to("files.getUploadURLExternal")
    [upload] = slack.calls_to("upload")
    assert url.params["filename"] == "gdpr-training-2027-Q1.csv"
    assert b"quiz-campaign" in upload.params["content"]
    summaries = [str(c.params.get("text", "")) for c in slack.calls_to("chat.postMessage")]
    assert any("Utbildningsrapport 2027-Q1" in text for text in summaries)
    [exported] = ledger_payloads(bot.services.sessions, ledger.REPORT_EXPORTED)
    assert exported["report"] == "training" and "ULEAD" not in json.dumps(exported)


async def test_a_trainee_asking_for_the_training_report_gets_no_file(
    campaign: tuple[RunningBot, FakeSlackApi, int],
) -> None:
    bot, slack, _ = campaign
    response = await bot.post_slack(mention("report training 2027-Q1", user=ANNA))
    assert response.status == 200
    [refusal] = await slack.wait_for("chat.postEphemeral")
    assert refusal.params["user"] == ANNA
    assert refusal.params["text"].startswith("The training report is for the DPO")
    [refused] = ledger_payloads(bot.services.sessions, ledger.REPORT_REFUSED)
    assert refused["command"] == "report training"
    assert slack.calls_to("files.getUploadURLExternal") == []
