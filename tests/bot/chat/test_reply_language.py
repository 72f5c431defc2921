"""The reply language of a message that does not give its own away ("GDPR?", "dpo", an
empty line): the person's last clear language in that conversation, else the default.
The same conversation logic serves Slack, Teams and the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.conversation import Conversation, NoQuestionLog
from bot.chat.languages import FORGET_AFTER, LanguageMemory
from bot.chat.messages import ConversationRef, Incoming, Platform
from knowledge import Answerer, KnowledgeBase
from knowledge.analysis.language import guess_language
from tests.bot.conftest import DPO

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ENGLISH = "how long do we keep call recordings?"
SWEDISH = "hur länge sparar vi samtalsinspelningar?"
UNCLEAR = "GDPR?"  # no function word, no å/ä/ö: the detector says None


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class LanguageLog(NoQuestionLog):
    """Keeps only each logged question's language."""

    def __init__(self) -> None:
        self.langs: list[str] = []

    async def record_question(self, *, lang: str, **_: object) -> int | None:
        self.langs.append(lang)
        return None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def log() -> LanguageLog:
    return LanguageLog()


@pytest.fixture
def conversation(test_knowledge: KnowledgeBase, log: LanguageLog, clock: Clock) -> Conversation:
    return Conversation(
        Answerer(test_knowledge, DPO),
        question_log=log,
        default_language="sv",
        detect_language=guess_language,
        clock=clock,
    )


def message(
    text: str, *, platform: Platform = "slack", user: str = "U1", place: str = "D1"
) -> Incoming:
    return Incoming(
        platform=platform, user_id=user, text=text, conversation=ConversationRef(platform, place)
    )


@pytest.mark.parametrize("platform", ["slack", "teams", "console"])
async def test_an_unclear_message_is_answered_in_the_persons_last_clear_language(
    conversation: Conversation, log: LanguageLog, platform: Platform
) -> None:
    await conversation.handle(message(ENGLISH, platform=platform))
    await conversation.handle(message(UNCLEAR, platform=platform))

    assert log.langs == ["en", "en"]


async def test_an_unclear_first_message_is_answered_in_the_default_language(
    conversation: Conversation, log: LanguageLog
) -> None:
    await conversation.handle(message(UNCLEAR))

    assert log.langs == ["sv"]


async def test_a_clear_message_changes_the_remembered_language(
    conversation: Conversation, log: LanguageLog
) -> None:
    for text in (ENGLISH, SWEDISH, UNCLEAR):
        await conversation.handle(message(text))

    assert log.langs == ["en", "sv", "sv"]


async def test_another_person_in_the_same_conversation_is_not_given_someone_elses_language(
    conversation: Conversation, log: LanguageLog
) -> None:
    await conversation.handle(message(ENGLISH, user="U1", place="C1"))
    await conversation.handle(message(UNCLEAR, user="U2", place="C1"))

    assert log.langs == ["en", "sv"]


async def test_the_same_person_in_another_conversation_starts_from_the_default(
    conversation: Conversation, log: LanguageLog
) -> None:
    await conversation.handle(message(ENGLISH, place="D1"))
    await conversation.handle(message(UNCLEAR, place="C9"))

    assert log.langs == ["en", "sv"]


async def test_an_empty_message_gets_help_in_the_persons_last_clear_language(
    conversation: Conversation,
) -> None:
    await conversation.handle(message(ENGLISH))
    [help_reply] = await conversation.handle(message("  "))

    assert help_reply.text.startswith("*What I can do*")


async def test_the_language_is_forgotten_a_working_day_after_the_last_clear_message(
    conversation: Conversation, log: LanguageLog, clock: Clock
) -> None:
    await conversation.handle(message(ENGLISH))
    clock.now += FORGET_AFTER + timedelta(minutes=1)
    await conversation.handle(message(UNCLEAR))

    assert log.langs == ["en", "sv"]


def test_the_memory_forgets_the_least_recently_seen_person_beyond_its_size() -> None:
    memory = LanguageMemory(max_people=2)
    for user in ("U1", "U2", "U3"):
        memory.remember(message("", user=user), "en", START)

    assert len(memory) == 2
    assert memory.recall(message("", user="U1"), START) is None
    assert memory.recall(message("", user="U3"), START) == "en"


def test_the_memory_holds_no_id_and_no_text() -> None:
    memory = LanguageMemory()
    memory.remember(message(ENGLISH, user="U0SECRET", place="D0SECRET"), "en", START)

    kept = repr(memory._seen)
    assert "SECRET" not in kept and "recordings" not in kept
    assert [lang for lang, _ in memory._seen.values()] == ["en"]
