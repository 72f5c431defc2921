"""A console session as a person uses it: button numbers that keep their meaning, a clear
note for a number that names no button, `vem`/`whoami`, and GDPRBOT_CONSOLE_USER."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.app import build_services
from bot.chat.conversation import Conversation
from bot.chat.pipeline import NoClaims, Pipeline
from bot.config import Settings
from bot.platforms.console.front_end import Console
from knowledge import Answerer, KnowledgeBase
from storage.clock import utc_now
from tests.bot.conftest import DPO


class QuestionLog:
    """Numbers each question; remembers votes."""

    def __init__(self) -> None:
        self.questions: list[str] = []
        self.votes: list[tuple[int, str]] = []

    async def record_question(self, **fields: object) -> int | None:
        self.questions.append(str(fields.get("text", "")))
        return len(self.questions)

    async def record_feedback(
        self, question_id: int, vote: str, now: object, *, voter: str
    ) -> bool:
        self.votes.append((question_id, vote))
        return True


@pytest.fixture
def log() -> QuestionLog:
    return QuestionLog()


@pytest.fixture
def console(test_knowledge: KnowledgeBase, log: QuestionLog) -> tuple[Console, list[str]]:
    conversation = Conversation(Answerer(test_knowledge, DPO), question_log=log, clock=utc_now)
    shown: list[str] = []
    pipeline = Pipeline(conversation, NoClaims(), clock=utc_now)
    return Console(pipeline, write=shown.append, user_id="anna"), shown


async def test_a_button_keeps_its_number_after_later_replies(
    console: tuple[Console, list[str]], log: QuestionLog
) -> None:
    chat, shown = console
    await chat.say("what is a personal data breach?")
    assert "[1] 👍  [2] 👎" in shown[-1]
    await chat.say("hur länge sparar vi samtalsinspelningar?")
    assert "[3] 👍  [4] 👎" in shown[-1]

    await chat.say("2")  # the first answer's 👎, not the second's

    assert log.votes == [(1, "down")]


async def test_a_number_that_names_no_button_is_not_a_question(
    console: tuple[Console, list[str]], log: QuestionLog
) -> None:
    chat, shown = console
    await chat.say("what is a personal data breach?")

    await chat.say("7")

    assert "Det finns ingen knapp [7]" in shown[-1]
    assert "There is no button [7]" in shown[-1]
    assert log.questions == ["what is a personal data breach?"]
    assert log.votes == []


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        slack_bot_token="",
        microsoft_app_id="",
        console="on",
        scheduler_enabled=False,
        web_enabled=False,
        embeddings="off",
        console_user="dpo-anna",
        compliance_officers=["dpo-anna"],
    )


async def session(
    settings: Settings, test_knowledge: KnowledgeBase, text: str, capsys: pytest.CaptureFixture[str]
) -> str:
    """A console session of the bot built from `settings` (it prints to stdout)."""
    services = build_services(settings, knowledge_base=test_knowledge)
    await services.start()
    try:
        await services.console.run(stdin=io.StringIO(text))
    finally:
        await services.close()
    return capsys.readouterr().out


async def test_whoami_names_the_console_user_and_their_roles(
    settings: Settings, test_knowledge: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    output = await session(settings, test_knowledge, "vem\n", capsys)

    assert "Du är `dpo-anna` på console" in output
    assert "compliance: rapporter" in output


async def test_the_console_user_setting_decides_officer_rights(
    settings: Settings, test_knowledge: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    someone_else = settings.model_copy(update={"console_user": "eve"})

    output = await session(someone_else, test_knowledge, "whoami\n", capsys)

    assert "You are `eve` on console" in output
    assert "No special roles" in output


async def test_vem_followed_by_a_question_is_a_question(
    console: tuple[Console, list[str]], log: QuestionLog
) -> None:
    chat, _ = console

    await chat.say("vem är dataskyddsombud?")

    assert log.questions == ["vem är dataskyddsombud?"]
