"""The three outcomes in the conversation: answer, "did you mean" with choice buttons whose
click answers, and the honest refusal; small talk and bad input (read like a chat)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from bot.chat.choices import Choice, Picked, choice_reply
from bot.chat.conversation import Conversation
from bot.chat.messages import Incoming, Reply
from knowledge import Answer, Answerer, KnowledgeBase, Lang
from tests.bot.chat.test_conversation import MemoryQuestionLog, click, message
from tests.bot.clarifying import ASK_BACK
from tests.bot.conftest import DPO

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def question_log() -> MemoryQuestionLog:
    return MemoryQuestionLog()


def _conversation(answerer: Answerer, log: MemoryQuestionLog) -> Conversation:
    return Conversation(answerer, question_log=log, dpo_contact=DPO, clock=lambda: NOW)


@pytest.fixture
def asking_back(test_knowledge: KnowledgeBase, question_log: MemoryQuestionLog) -> Conversation:
    """A conversation whose answerer always offers "did you mean" when it has a candidate."""
    return _conversation(Answerer(test_knowledge, DPO, thresholds=ASK_BACK), question_log)


@pytest.fixture
def conversation(test_knowledge: KnowledgeBase, question_log: MemoryQuestionLog) -> Conversation:
    return _conversation(Answerer(test_knowledge, DPO), question_log)


async def _clarify(conversation: Conversation, question: str) -> Reply:
    [reply] = await conversation.handle(message(question))
    assert reply.card is None and reply.buttons, reply
    return reply


# --- clarify ------------------------------------------------------------------------------


async def test_did_you_mean_offers_each_article_as_a_choice_button(
    asking_back: Conversation,
) -> None:
    reply = await _clarify(asking_back, "recording breach")

    assert "Did you mean" in reply.text
    assert [b.action_id for b in reply.buttons] == ["choice.article.1", "choice.article.2"]
    assert {b.label for b in reply.buttons} == {
        "How long do we keep call recordings?",
        "What do I do about a personal data breach?",
    }


async def test_did_you_mean_says_whom_to_ask_when_none_fits(asking_back: Conversation) -> None:
    reply = await _clarify(asking_back, "spara inspelning fel kund")

    assert "Menar du" in reply.text
    assert "Inget av dem? Fråga dataskyddsombudet (dpo@example.test)" in reply.text


async def test_clicking_a_choice_answers_with_that_article(asking_back: Conversation) -> None:
    reply = await _clarify(asking_back, "recording breach")
    button = next(b for b in reply.buttons if "breach" in b.label)

    [answer] = await asking_back.handle(click(button.action_id, button.value))

    assert answer.card is not None and answer.card.article_id == "personal-data-breach"
    assert answer.card.lang == "en"


async def test_the_click_is_recorded_once_as_the_clarifications_resolution(
    asking_back: Conversation, question_log: MemoryQuestionLog
) -> None:
    reply = await _clarify(asking_back, "recording breach")
    first, second = reply.buttons

    answer = await asking_back.handle(click(first.action_id, first.value))
    again = await asking_back.handle(click(second.action_id, second.value))

    [logged] = question_log.questions
    assert logged["answered"] is False and logged["article_id"] is None
    assert question_log.resolved == {1: answer[0].card.article_id}  # type: ignore[union-attr]
    assert again[0].card is not None  # a change of mind is still answered


async def test_the_answer_to_a_click_carries_feedback_for_the_same_question(
    asking_back: Conversation,
) -> None:
    reply = await _clarify(asking_back, "recording breach")

    [answer] = await asking_back.handle(click(reply.buttons[0].action_id, reply.buttons[0].value))

    assert [(b.action_id, b.value) for b in answer.buttons] == [
        ("answer.up", "1"),
        ("answer.down", "1"),
    ]


async def test_a_choice_for_a_removed_article_is_answered_privately(
    asking_back: Conversation,
) -> None:
    stale = choice_reply("?", "article", [Choice("Gone", "no-such-article")], lang="en")

    [reply] = await asking_back.handle(click(stale.buttons[0].action_id, stale.buttons[0].value))

    assert reply.private and "no longer exists" in reply.text


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("choice.article.1", "not json"),
        ("choice.article.1", '{"v": ""}'),
        ("choice.nobody.1", '{"v": "x", "c": "", "l": "sv"}'),
        ("choice.", "{}"),
    ],
)
async def test_a_broken_or_unclaimed_choice_is_answered_privately(
    asking_back: Conversation, action_id: str, value: str
) -> None:
    [reply] = await asking_back.handle(click(action_id, value))

    assert reply.private and reply.card is None


async def test_a_feature_answers_its_own_kind_of_choice(asking_back: Conversation) -> None:
    """The rights-request desk's "which client?" is built on the same piece."""
    seen: list[Picked] = []

    async def which_client(choice: Picked, incoming: Incoming) -> list[Reply]:
        seen.append(choice)
        return [Reply(text=f"{choice.value} for {choice.context}")]

    asking_back.add_choice_handler("client", which_client)
    question = choice_reply(
        "Vilken kund gäller det?",
        "client",
        [Choice("Acme AB", "acme"), Choice("Beta AB", "beta")],
        context="right-to-erasure",
        lang="sv",
    )
    button = question.buttons[1]

    [reply] = await asking_back.handle(click(button.action_id, button.value))

    assert reply.text == "beta for right-to-erasure"
    assert seen == [Picked("client", "beta", "right-to-erasure", "sv")]


def test_a_choice_kind_has_one_handler(asking_back: Conversation) -> None:
    async def handler(choice: Picked, incoming: Incoming) -> list[Reply]:
        return []

    with pytest.raises(ValueError, match="article"):
        asking_back.add_choice_handler("article", handler)


# --- answer and refuse ----------------------------------------------------------------------


async def test_a_confident_answer_has_no_choice_buttons(conversation: Conversation) -> None:
    [reply] = await conversation.handle(message("hur länge sparar vi samtalsinspelningar?"))

    assert reply.card is not None
    assert [b.action_id for b in reply.buttons] == ["answer.up", "answer.down"]


async def test_a_refusal_is_honest_and_names_the_dpo(conversation: Conversation) -> None:
    [reply] = await conversation.handle(message("vad kostar en banan på månen?"))

    assert reply.card is None and reply.buttons == ()
    assert "dpo@example.test" in reply.text


# --- small talk and bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hej", "Hej! Jag svarar på frågor om GDPR"),
        ("Hi!", "Hi! I answer questions about GDPR"),
        ("tack!", "Varsågod"),
        ("thanks a lot", "You're welcome"),
        ("hej då!", "Hej då!"),
        ("bye", "Goodbye!"),
    ],
)
async def test_greetings_and_thanks_get_a_friendly_reply_without_the_dpo(
    conversation: Conversation, question_log: MemoryQuestionLog, text: str, expected: str
) -> None:
    [reply] = await conversation.handle(message(text))

    assert reply.text.startswith(expected)
    assert "help" in reply.text or "hjälp" in reply.text  # and what else the bot can do
    assert "dpo@example.test" not in reply.text and "dataskyddsombud" not in reply.text
    assert question_log.questions == []  # small talk is not a question to keep


@pytest.mark.parametrize("text", ["😀😀", "?!", "👍 …"])
async def test_a_message_without_words_is_told_how_to_ask(
    conversation: Conversation, text: str
) -> None:
    [reply] = await conversation.handle(message(text))

    assert "Skriv din fråga med några ord" in reply.text
    assert "dpo@example.test" not in reply.text


async def test_an_empty_message_gets_the_help(conversation: Conversation) -> None:
    [reply] = await conversation.handle(message("   "))

    assert "Det här kan jag" in reply.text


async def test_a_megabyte_question_is_read_up_to_the_limit(
    conversation: Conversation, question_log: MemoryQuestionLog
) -> None:
    [reply] = await conversation.handle(message("samtalsinspelningar sparas " * 40_000))

    assert "de första 2000 tecknen" in reply.text
    assert len(str(question_log.questions[0]["text"])) <= 2000


async def test_a_mixed_swedish_and_english_question_is_answered_in_one_language(
    conversation: Conversation,
) -> None:
    [reply] = await conversation.handle(message("hur länge do we keep call recordings?"))

    # the lexical signal alone reads it as Swedish: the Swedish article or an honest referral
    answered = reply.card is not None and reply.card.lang == "sv"
    assert answered or "Fråga dataskyddsombudet" in reply.text
    assert "gick fel" not in reply.text


async def test_text_that_cannot_be_encoded_is_cleaned_before_it_is_stored(
    conversation: Conversation, question_log: MemoryQuestionLog
) -> None:
    [reply] = await conversation.handle(message("vad \udce4r en incident?"))

    assert reply.text
    str(question_log.questions[0]["text"]).encode("utf-8")  # no lone surrogate left


async def test_the_question_is_answered_off_the_event_loop(
    test_knowledge: KnowledgeBase, question_log: MemoryQuestionLog
) -> None:
    threads: list[str] = []

    class Watching(Answerer):
        def answer(self, question: str, lang: Lang | None = None, **kw: object) -> Answer:
            threads.append(threading.current_thread().name)
            return super().answer(question, lang)

    conversation = _conversation(Watching(test_knowledge, DPO), question_log)

    await conversation.handle(message("what is a personal data breach?"))

    assert threads and threads[0] != threading.main_thread().name


async def test_answers_and_choices_never_share_an_action_id(asking_back: Conversation) -> None:
    reply = await _clarify(asking_back, "recording breach")

    ids = [b.action_id for b in reply.buttons]
    assert len(set(ids)) == len(ids)  # Slack rejects a message whose action ids repeat
