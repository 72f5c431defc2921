""" "Did you mean" on Teams over real HTTP: an Adaptive Card with one submit action per
article; submitting one is answered with that article's sourced card."""

from __future__ import annotations

from tests.bot.clarifying import ask_back
from tests.bot.platforms.teams.fixtures import TeamsBotServer, action_ids, card_text, only


async def test_did_you_mean_is_a_card_with_one_submit_per_article(
    teams_bot: TeamsBotServer,
) -> None:
    ask_back(teams_bot.services)

    reply = only(await teams_bot.say("recording breach"))

    card = reply.card
    assert "Did you mean" in card_text(card)
    assert action_ids(card) == ["choice.article.1", "choice.article.2"]
    assert all(a["type"] == "Action.Submit" for a in card["actions"])
    assert {a["title"] for a in card["actions"]} == {
        "How long do we keep call recordings?",
        "What do I do about a personal data breach?",
    }


async def test_submitting_a_choice_answers_with_that_article(teams_bot: TeamsBotServer) -> None:
    ask_back(teams_bot.services)
    question = only(await teams_bot.say("recording breach"))
    chosen = next(a for a in question.card["actions"] if "breach" in a["title"])

    answer = only(await teams_bot.click(chosen["data"]["action_id"], chosen["data"]["value"]))

    text = card_text(answer.card)
    assert "Source: What do I do about a personal data breach?" in text
    assert action_ids(answer.card) == ["answer.up", "answer.down"]
