"""A training campaign in Teams, through /api/messages against the fake Bot Connector: the
quiz card arrives in the personal chat with a button, each answer is a card submit, and
the pass is recorded as evidence."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from routines import ledger
from routines.ports import ACTION_QUIZ
from tests.bot.platforms.teams.fixtures import (
    StartTeamsBot,
    action_ids,
    card_text,
    message_activity,
    only,
)
from tests.bot.training_env import (
    CLICKED,
    QUIZ,
    ledger_payloads,
    post_campaign,
    question_in,
    write_campaign,
)

ANNA_AAD = "aad-anna"


def submits(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every Action.Submit's data in a card, depth first."""
    if isinstance(node, Mapping):
        data = node.get("data")
        if isinstance(data, Mapping) and "action_id" in data:
            yield data
        for value in node.values():
            yield from submits(value)
    elif isinstance(node, list):
        for item in node:
            yield from submits(item)


def right_answer(card: Mapping[str, Any]) -> Mapping[str, Any]:
    question = question_in(card_text(card))
    return next(
        data
        for data in submits(card)
        if str(data["action_id"]).startswith("choice.quiz.")
        and question.is_right(int(json.loads(data["value"])["v"]))
    )


async def test_the_quiz_is_answered_on_cards_and_a_pass_is_recorded(
    start_teams_bot: StartTeamsBot, tmp_path: Path
) -> None:
    catalogue = write_campaign(
        tmp_path / "routines.yaml", f"teams:{ANNA_AAD}", f"{{platform: teams, person: {ANNA_AAD}}}"
    )
    teams = await start_teams_bot(
        signed=True, routines_files=[str(catalogue)], quiz_dirs=[str(QUIZ)]
    )
    teams.services.clock = lambda: CLICKED
    await teams.say("hej")  # Anna talks to the bot first: it now knows her personal chat
    teams.connector.clear()
    occurrence_id = await post_campaign(teams.services, catalogue)
    post = only(teams.connector.messages())
    assert ACTION_QUIZ in action_ids(post.card)
    calls = await teams.click(ACTION_QUIZ, str(occurrence_id))
    for _ in range(2):
        [question] = [c for c in calls if c.card and "choice.quiz." in json.dumps(c.card)]
        answer = right_answer(question.card)
        calls = await teams.click(str(answer["action_id"]), str(answer["value"]))
    texts = " ".join(
        card_text(c.card) if c.card else json.dumps(c.activity, ensure_ascii=False) for c in calls
    )
    assert "Godkänt: 2 av 2 rätt" in texts
    [result] = ledger_payloads(teams.sessions, ledger.TRAINING_RESULT)
    assert result["passed"] is True


async def test_the_team_lead_gets_the_training_report_as_a_link_the_bot_serves(
    start_teams_bot: StartTeamsBot, tmp_path: Path
) -> None:
    catalogue = write_campaign(
        tmp_path / "routines.yaml", f"teams:{ANNA_AAD}", "{platform: teams, person: aad-lead}"
    )
    teams = await start_teams_bot(
        signed=True, routines_files=[str(catalogue)], quiz_dirs=[str(QUIZ)],
        public_url="https://gdpr-bot.example.test",
    )  # fmt: skip
    teams.services.clock = lambda: CLICKED
    await post_campaign(teams.services, catalogue)
    teams.connector.clear()
    activity = message_activity(
        teams.connector.url,
        id=teams.next_id(),
        text="rapport utbildning 2027-Q1",
        **{
            "from": {"id": "29:aad-lead", "aadObjectId": "aad-lead", "name": "Lea Lead"},
            "conversation": {"id": "a:aad-lead-personal", "conversationType": "personal"},
        },
    )
    calls = await teams.send(activity)
    summary = calls[0].activity.get("text") or card_text(calls[0].card)
    assert "Utbildningsrapport 2027-Q1" in summary
    [link] = [
        action["url"]
        for call in calls
        if call.card is not None
        for action in call.card.get("actions", [])
        if action.get("type") == "Action.OpenUrl"
    ]
    async with teams.bot.http.get(f"{teams.bot.url}{urlsplit(link).path}") as response:
        assert response.status == 200
        assert b"quiz-campaign" in await response.read()
    [exported] = ledger_payloads(teams.sessions, ledger.REPORT_EXPORTED)
    assert exported["report"] == "training" and exported["routines"] == ["quiz-campaign"]
