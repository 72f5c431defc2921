"""The conversation core, platform-free: messages in, replies out (read like a chat)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.chat.conversation import Conversation, split_command
from bot.chat.messages import Action, ConversationRef, Incoming, Reply
from bot.chat.ports import Vote
from knowledge import Answerer, KnowledgeBase, detect_language
from knowledge.analysis.language import guess_language
from storage.clock import utc_now
from tests.bot.conftest import DPO

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class MemoryQuestionLog:
    """In-memory stand-in with the same once-per-question vote rule as the real log."""

    def __init__(self) -> None:
        self.questions: list[dict[str, object]] = []
        self.votes: dict[int, Vote] = {}
        self.resolved: dict[int, str] = {}

    async def record_question(self, **fields: object) -> int | None:
        self.questions.append(fields)
        return len(self.questions)

    async def record_feedback(
        self, question_id: int, vote: Vote, now: datetime, *, voter: str
    ) -> bool:
        if question_id in self.votes or question_id > len(self.questions):
            return False
        self.votes[question_id] = vote
        return True

    async def record_clarification_resolved(
        self, question_id: int, article_id: str, now: datetime
    ) -> bool:
        if question_id in self.resolved or question_id > len(self.questions):
            return False
        self.resolved[question_id] = article_id
        return True


class RoutinesFeature:
    """A feature like the routines engineer's: owns the routine commands and `routine.` buttons."""

    name = "routines"
    action_prefixes = ("routine.",)

    def __init__(self) -> None:
        self.commands: list[tuple[str, str, str]] = []
        self.actions: list[str] = []

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        self.commands.append((command, args, lang))
        return [Reply(text=f"{command}:{args}:{lang}")]

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        assert incoming.action is not None
        self.actions.append(incoming.action.value)
        return [Reply(text="confirmed", replaces=incoming.action.message_id)]


@pytest.fixture
def question_log() -> MemoryQuestionLog:
    return MemoryQuestionLog()


@pytest.fixture
def conversation(test_knowledge: KnowledgeBase, question_log: MemoryQuestionLog) -> Conversation:
    return Conversation(
        Answerer(test_knowledge, DPO),
        question_log=question_log,
        dpo_contact=DPO,
        detect_language=detect_language,
        clock=lambda: NOW,
    )


def message(text: str) -> Incoming:
    return Incoming(
        platform="console",
        user_id="anna",
        text=text,
        conversation=ConversationRef("console", "console"),
        is_direct=True,
    )


def click(action_id: str, value: str) -> Incoming:
    return Incoming(
        platform="slack",
        user_id="U1",
        text="",
        conversation=ConversationRef("slack", "D1"),
        is_direct=True,
        action=Action(action_id, value, message_id="171.1"),
    )


async def test_plain_question_is_answered_with_its_source(conversation: Conversation) -> None:
    [reply] = await conversation.handle(message("hur länge sparar vi samtalsinspelningar?"))

    assert reply.card is not None
    assert reply.card.title == "Hur länge sparar vi samtalsinspelningar?"
    assert "90 dagar" in reply.text


async def test_ask_command_answers_the_rest_of_the_line(conversation: Conversation) -> None:
    [reply] = await conversation.handle(message("ask how long do we keep call recordings?"))

    assert reply.card is not None and reply.card.lang == "en"


async def test_ask_without_a_question_asks_back(conversation: Conversation) -> None:
    [reply] = await conversation.handle(message("fråga"))

    assert "Vad vill du fråga" in reply.text


async def test_help_in_swedish(conversation: Conversation) -> None:
    [reply] = await conversation.handle(message("hjälp"))

    assert "Det här kan jag" in reply.text
    assert "`rutiner`" in reply.text


async def test_help_in_english(conversation: Conversation) -> None:
    [reply] = await conversation.handle(message("Help"))

    assert "What I can do" in reply.text


async def test_console_help_mentions_quit(conversation: Conversation) -> None:
    [reply] = await conversation.handle(message("hjälp"))

    assert "avsluta" in reply.text


async def test_fallback_names_the_dpo_and_has_no_source(conversation: Conversation) -> None:
    [reply] = await conversation.handle(message("vad kostar en banan på månen?"))

    assert reply.card is None
    assert "dpo@example.test" in reply.text


async def test_routines_without_the_feature_says_none_yet(conversation: Conversation) -> None:
    assert (await conversation.handle(message("rutiner")))[0].text == "Inga rutiner ännu."
    assert (await conversation.handle(message("routines")))[0].text == "No routines yet."


async def test_report_without_the_feature_is_politely_unavailable(
    conversation: Conversation,
) -> None:
    [reply] = await conversation.handle(message("report"))

    assert "not available" in reply.text


async def test_feature_command_gets_args_and_the_words_language(
    conversation: Conversation,
) -> None:
    feature = RoutinesFeature()
    conversation.add_feature(feature)

    [reply] = await conversation.handle(message("rutiner alla"))

    assert reply.text == "routines:alla:sv"


async def test_feature_claims_builtin_words_for_its_command(conversation: Conversation) -> None:
    feature = RoutinesFeature()
    conversation.add_feature(feature)

    await conversation.handle(message("kvittera 12"))

    assert feature.commands == [("ack", "12", "sv")]


async def test_feature_buttons_go_to_the_feature(conversation: Conversation) -> None:
    feature = RoutinesFeature()
    conversation.add_feature(feature)

    [reply] = await conversation.handle(click("routine.confirm", "12"))

    assert feature.actions == ["12"]
    assert reply.replaces == "171.1"


async def test_unknown_button_is_answered_privately(conversation: Conversation) -> None:
    [reply] = await conversation.handle(click("somebody.else", "1"))

    assert reply.private


async def test_answer_is_logged_and_carries_its_question_id(
    conversation: Conversation, question_log: MemoryQuestionLog
) -> None:
    [reply] = await conversation.handle(message("what is a personal data breach?"))

    [logged] = question_log.questions
    assert logged["article_id"] == "personal-data-breach" and logged["now"] == NOW
    assert [b.value for b in reply.buttons] == ["1", "1"]
    assert [b.action_id for b in reply.buttons] == ["answer.up", "answer.down"]


async def test_feedback_is_thanked_once(
    conversation: Conversation, question_log: MemoryQuestionLog
) -> None:
    await conversation.handle(message("what is a personal data breach?"))

    first = await conversation.handle(click("answer.down", "1"))
    second = await conversation.handle(click("answer.down", "1"))

    assert question_log.votes == {1: "down"}
    assert len(first) == 1 and first[0].private
    assert second == []


async def test_feedback_with_a_bad_value_is_ignored(conversation: Conversation) -> None:
    assert await conversation.handle(click("answer.up", "not-a-number")) == []


async def test_without_a_question_log_there_are_no_feedback_buttons(
    test_knowledge: KnowledgeBase,
) -> None:
    quiet = Conversation(Answerer(test_knowledge, DPO), clock=utc_now)

    [reply] = await quiet.handle(message("what is a personal data breach?"))

    assert reply.buttons == ()


async def test_a_failing_feature_becomes_an_apology(conversation: Conversation) -> None:
    class Broken(RoutinesFeature):
        async def on_command(
            self, command: str, args: str, incoming: Incoming, lang: str
        ) -> list[Reply]:
            raise RuntimeError("boom")

    conversation.add_feature(Broken())

    [reply] = await conversation.handle(message("routines"))

    assert "went wrong" in reply.text


async def test_very_long_question_is_cut_and_still_answered(
    conversation: Conversation, question_log: MemoryQuestionLog
) -> None:
    [reply] = await conversation.handle(message("samtalsinspelningar " * 2000))

    assert reply.text
    assert len(str(question_log.questions[0]["text"])) <= 2000


async def test_home_lists_help_and_routines(conversation: Conversation) -> None:
    replies = await conversation.home(message(""), "en")

    texts = [r.text for r in replies]
    assert any("What I can do" in text for text in texts)
    assert texts.index("*Your pending routines*") < texts.index("No routines yet.")
    assert "help" in texts[-1]


def test_split_command_lowercases_and_strips_slash() -> None:
    assert split_command("  /Hjälp  mig nu ") == ("hjälp", "mig nu")
    assert split_command("") == ("", "")


async def test_a_question_is_given_its_language_once_by_the_conversations_detector(
    test_knowledge: KnowledgeBase,
) -> None:
    detected: list[str] = []

    def detector(text: str) -> str | None:
        detected.append(text)
        return guess_language(text)

    conversation = Conversation(
        Answerer(test_knowledge, DPO), detect_language=detector, clock=utc_now
    )
    [reply] = await conversation.handle(message("how long do we keep call recordings?"))

    assert detected == ["how long do we keep call recordings?"]
    assert reply.card is not None and reply.card.lang == "en"
