"""Chat `webb` / `web` (bot/features/web.py): a private one-time link, officers and leads only."""

from __future__ import annotations

import pytest

from bot.authz import Policy
from bot.chat.messages import ConversationRef, Incoming
from bot.features.web import WebFeature
from tests.bot.web.conftest import WebBot
from tests.bot.web.scenario import NOW


def incoming(user_id: str, text: str = "webb") -> Incoming:
    return Incoming("slack", user_id, text, ConversationRef("slack", "D0DM"), display_name="X")


def feature_of(bot: WebBot) -> WebFeature:
    (feature,) = [f for f in bot.services.conversation.features if f.name == "web"]
    assert isinstance(feature, WebFeature)
    return feature


async def test_an_officer_gets_a_private_link_that_works_for_ten_minutes(web_bot: WebBot) -> None:
    [reply] = await web_bot.services.conversation.handle(incoming("U0DPO", "webb"))

    assert reply.private
    assert f"{web_bot.url}/signin/" in reply.text
    assert "2027-05-20 10:10" in reply.text  # NOW + 10 minutes, local time


async def test_the_english_word_answers_in_english(web_bot: WebBot) -> None:
    [reply] = await web_bot.services.conversation.handle(incoming("U0LEADSUP", "web"))

    assert "sign-in link" in reply.text


async def test_an_employee_is_refused_without_a_link(web_bot: WebBot) -> None:
    [reply] = await web_bot.services.conversation.handle(incoming("U0EMPLOYEE"))

    assert reply.private and "/signin/" not in reply.text
    assert "dataskyddsombud" in reply.text


@pytest.mark.parametrize("word", ["webb", "web"])
async def test_without_pages_the_command_says_so(word: str) -> None:
    feature = WebFeature(
        None, policy=Policy(), clock=lambda: NOW, local_time=lambda d: d.isoformat()
    )

    [reply] = await feature.on_command("web", "", incoming("U0DPO", word), "sv")

    assert "GDPRBOT_WEB_SECRET" in reply.text
