"""The same conversations on every front end: Slack, Teams and the console.

Each platform gets a small driver that speaks its real wire format to the real bot
(signed Slack events to /slack/events, Bot Framework Activities to /api/messages,
lines typed into the console) and reads back what a person would see: the text and
the buttons. The scenarios below are then written once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.chat.conversation import ACTION_FEEDBACK_DOWN, ACTION_FEEDBACK_UP
from bot.config import Settings
from bot.platforms.console.front_end import Console, render_reply
from bot.records.questions import QuestionRecord
from storage.sessions import transaction
from testing.bot_connector import ConnectorCall
from testing.slack_api import Call, FakeSlackApi
from testing.slack_payloads import block_action, dm
from tests.bot.conftest import DPO, RunningBot
from tests.bot.platforms.teams.fixtures import TeamsBotServer

PLATFORMS = ["slack", "teams", "console"]


@dataclass(frozen=True)
class Said:
    """One message from the bot as a person sees it: all its text, and its buttons."""

    text: str
    buttons: Mapping[str, str]  # action id -> value


class Chat(Protocol):
    @property
    def services(self) -> Services: ...

    async def say(self, text: str) -> Said: ...

    async def click(self, said: Said, action_id: str) -> Said: ...


# --- Slack --------------------------------------------------------------------------------

_SLACK_POSTS = ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url")


def _slack_said(call: Call) -> Said:
    buttons = {
        element["action_id"]: element.get("value", "")
        for block in call.blocks
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    }
    text = f"{call.params.get('text', '')}\n{call.blocks_text}"
    return Said(text=text, buttons=buttons)


@dataclass
class SlackChat:
    bot: RunningBot
    api: FakeSlackApi

    @property
    def services(self) -> Services:
        return self.bot.services

    def _posts(self) -> list[Call]:
        return [c for c in self.api.calls if c.method in _SLACK_POSTS and c.status == 200]

    async def _next_post(self, send: Callable[[], Any]) -> Said:
        before = len(self._posts())
        await send()
        await self.api.wait_until(lambda: len(self._posts()) > before, "chat.postMessage")
        return _slack_said(self._posts()[before])

    async def say(self, text: str) -> Said:
        return await self._next_post(lambda: self.bot.post_slack(dm(text)))

    async def click(self, said: Said, action_id: str) -> Said:
        body = block_action(action_id, said.buttons[action_id], self.api.response_url("click"))
        return await self._next_post(lambda: self.bot.post_slack(body))


# --- Teams --------------------------------------------------------------------------------


def _teams_said(call: ConnectorCall) -> Said:
    card = call.card or {}
    buttons = {
        action["data"]["action_id"]: action["data"].get("value", "")
        for action in card.get("actions", [])
        if isinstance(action.get("data"), dict)
    }
    text = f"{call.activity.get('text', '')}\n{json.dumps(card, ensure_ascii=False)}"
    return Said(text=text, buttons=buttons)


@dataclass
class TeamsChat:
    bot: TeamsBotServer

    @property
    def services(self) -> Services:
        return self.bot.services

    async def say(self, text: str) -> Said:
        return _teams_said((await self.bot.say(text))[0])

    async def click(self, said: Said, action_id: str) -> Said:
        return _teams_said((await self.bot.click(action_id, said.buttons[action_id]))[0])


# --- console ------------------------------------------------------------------------------


@dataclass
class ConsoleChat:
    services: Services

    def __post_init__(self) -> None:
        self._console = Console(self.services.pipeline, write=lambda _: None, user_id="anna")

    async def say(self, text: str) -> Said:
        replies = await self._console.say(text)
        # the numbers the console showed: they stay the same for the whole session
        numbers = [self._console.number_of(b) for b in replies[0].buttons]
        buttons = {b.action_id: str(n) for b, n in zip(replies[0].buttons, numbers, strict=True)}
        return Said(text=render_reply(replies[0], numbers=[n or 0 for n in numbers]),
                    buttons=buttons)  # fmt: skip

    async def click(self, said: Said, action_id: str) -> Said:
        # On the console a button is clicked by typing the number shown beside it.
        return await self.say(said.buttons[action_id])


@pytest.fixture
async def console_chat(start_bot: Any, teams_settings: Settings) -> ConsoleChat:
    """The whole bot with no platform configured, spoken to through its console."""
    running: RunningBot = await start_bot(
        teams_settings.model_copy(update={"teams_enabled": False})
    )
    return ConsoleChat(running.services)


@pytest.fixture(params=PLATFORMS)
def chat(request: pytest.FixtureRequest) -> Chat:
    if request.param == "slack":
        bot, api = request.getfixturevalue("running_bot"), request.getfixturevalue("fake_slack")
        return SlackChat(bot, api)
    if request.param == "teams":
        return TeamsChat(request.getfixturevalue("teams_bot"))
    console: ConsoleChat = request.getfixturevalue("console_chat")
    return console


# --- the scenarios ------------------------------------------------------------------------


async def test_a_question_is_answered_with_its_source_and_feedback_buttons(chat: Chat) -> None:
    said = await chat.say("hur länge sparar vi samtalsinspelningar?")
    assert "90 dagar" in said.text
    assert "Hur länge sparar vi samtalsinspelningar?" in said.text
    assert "Kundtjänstchef" in said.text
    assert "2026-09-01" in said.text
    assert {ACTION_FEEDBACK_UP, ACTION_FEEDBACK_DOWN} <= set(said.buttons)


async def test_an_english_question_is_answered_in_english(chat: Chat) -> None:
    said = await chat.say("how long do we keep call recordings?")
    assert "How long do we keep call recordings?" in said.text


async def test_an_unanswerable_question_falls_back_to_the_dpo(chat: Chat) -> None:
    said = await chat.say("vilken färg har soffan i personalrummet?")
    assert DPO in said.text
    assert "Kundtjänstchef" not in said.text


@pytest.mark.parametrize(
    ("word", "heading"), [("hjälp", "Det här kan jag"), ("help", "What I can do")]
)
async def test_help_comes_in_the_language_asked(chat: Chat, word: str, heading: str) -> None:
    said = await chat.say(word)
    assert heading in said.text


async def test_feedback_is_thanked_and_recorded(chat: Chat) -> None:
    answer = await chat.say("hur länge sparar vi samtalsinspelningar?")
    thanks = await chat.click(answer, ACTION_FEEDBACK_UP)
    assert "Tack" in thanks.text
    with transaction(chat.services.sessions) as session:
        votes = session.execute(select(QuestionRecord.up_votes, QuestionRecord.down_votes)).all()
    assert [tuple(v) for v in votes] == [(1, 0)]
