"""Answering on the small fixture knowledge base (not the shipped content, so it is stable),
on the lexical signal alone: outcomes, texts, placeholders, bad input."""

from __future__ import annotations

import pytest

from knowledge import Answerer, KnowledgeBase, Thresholds
from knowledge.retrieval.answerer import MAX_OPTIONS
from knowledge.retrieval.replies import NOTICE
from knowledge.sections import split_body
from tests.knowledge.conftest import DPO


@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        ("hur lång tid har vi på oss med registerutdraget", "right-of-access"),
        ("kostar registerutdrag något för kunden", "right-of-access"),
        ("gdpr böter", "fines"),
        ("jag mejlade fel kund", "personal-data-breach"),
        ("how big are the fines", "fines"),
        ("I sent the wrong customer an email with someone else's data", "personal-data-breach"),
    ],
)
def test_colloquial_questions_are_answered_from_their_article(
    answerer: Answerer, question: str, article_id: str
) -> None:
    answer = answerer.answer(question)
    assert (answer.outcome, answer.answered) == ("answer", True)
    assert answer.article is not None and answer.article.id == article_id


def test_the_answer_is_in_the_askers_language(answerer: Answerer) -> None:
    assert answerer.answer("vad kostar ett registerutdrag").lang == "sv"
    assert answerer.answer("what does an access request cost").lang == "en"


def test_the_answer_names_its_source(answerer: Answerer) -> None:
    answer = answerer.answer("gdpr böter")
    assert answer.article is not None
    assert (answer.article.owner, answer.article.reviewed, answer.article.gdpr) == (
        "Dataskyddsombud",
        "2026-08-01",
        ("83",),
    )


def test_answer_text_is_the_direct_answer_plus_the_steps(answerer: Answerer) -> None:
    answer = answerer.answer("hur lång tid har vi på oss med registerutdraget")
    assert answer.text.startswith("Den registrerade har rätt")
    assert "## Så gör du" in answer.text and "två månader" not in answer.text
    assert "två månader" in answer.details


def test_score_is_a_probability_and_an_answer_reaches_the_answer_mark(answerer: Answerer) -> None:
    answer = answerer.answer("gdpr böter")
    assert answer.score >= answerer.thresholds(semantic=False).answer_at
    assert 0.0 <= answer.score <= 1.0


def test_dpo_placeholder_is_filled_from_settings(answerer: Answerer) -> None:
    answer = answerer.answer("när måste en incident anmälas")
    assert DPO in answer.text and "{{" not in answer.text


def test_placeholders_take_values_passed_with_the_question(answerer: Answerer) -> None:
    answer = answerer.answer("när måste en incident anmälas", values={"dpo_contact": "Acme DPO"})
    assert "Acme DPO" in answer.text and DPO not in answer.text


def test_article_lookup_fills_placeholders(answerer: Answerer) -> None:
    article = answerer.article("right-of-access", "en")
    assert article is not None and DPO in article.body
    assert answerer.article("no-such-article", "en") is None


@pytest.mark.parametrize(
    "question",
    [
        "vad blir det till lunch",
        "hur bokar jag ett mötesrum",
        "I forgot my VPN password",
        "when is payday",
        "what is the weather like tomorrow",
        "var får jag parkera",
    ],
)
def test_off_topic_questions_are_refused(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert (answer.outcome, answer.reason, answer.answered) == ("refuse", "no_match", False)
    assert answer.article is None and answer.suggestions == ()


def test_a_refusal_points_to_the_dpo_in_the_askers_language(answerer: Answerer) -> None:
    swedish = answerer.answer("vad blir det till lunch")
    english = answerer.answer("what is on the lunch menu")
    assert "dataskyddsombudet" in swedish.text and DPO in swedish.text
    assert "data protection officer" in english.text and DPO in english.text


def test_an_unsure_match_asks_back_with_the_best_articles(fixture_kb: KnowledgeBase) -> None:
    unsure = Answerer(fixture_kb, DPO, thresholds=Thresholds(answer_at=1.01, clarify_at=0.0))
    answer = unsure.answer("hur lång tid har vi på oss med registerutdraget")
    assert (answer.outcome, answer.answered, answer.article) == ("clarify", False, None)
    assert answer.suggestions[0].id == "right-of-access"
    assert 1 <= len(answer.suggestions) <= MAX_OPTIONS
    assert answer.suggestions[0].title and answer.suggestions[0].text.startswith("Den registrerade")
    assert answer.text.startswith("Jag är inte säker")


def test_a_clicked_suggestion_is_answered_from_that_article(answerer: Answerer) -> None:
    answer = answerer.answer_with("right-of-access", "sv")
    assert answer is not None and answer.outcome == "answer"
    assert answer.article is not None and answer.article.id == "right-of-access"
    assert answerer.answer_with("no-such-article", "sv") is None


def test_nothing_good_enough_to_offer_is_refused(fixture_kb: KnowledgeBase) -> None:
    strict = Answerer(fixture_kb, DPO, thresholds=Thresholds(answer_at=1.01, clarify_at=1.01))
    assert strict.answer("gdpr böter").outcome == "refuse"


@pytest.mark.parametrize(
    ("message", "reason", "lang"),
    [
        ("hej", "greeting", "sv"),
        ("Hej hej!", "greeting", "sv"),
        ("tack!", "thanks", "sv"),
        ("tack så mycket", "thanks", "sv"),
        ("hi there", "greeting", "en"),
        ("thanks a lot :)", "thanks", "en"),
    ],
)
def test_greetings_and_thanks_get_a_friendly_reply_not_the_dpo(
    answerer: Answerer, message: str, reason: str, lang: str
) -> None:
    answer = answerer.answer(message, lang=lang)  # type: ignore[arg-type]
    assert (answer.outcome, answer.reason) == ("refuse", reason)
    assert DPO not in answer.text and answer.article is None
    if reason == "greeting":
        assert "GDPR" in answer.text  # says what the bot can do


def test_a_greeting_with_a_question_is_a_question(answerer: Answerer) -> None:
    answer = answerer.answer("hej, vad kostar ett registerutdrag?")
    assert answer.outcome == "answer" and answer.reason is None


@pytest.mark.parametrize("question", ["", "   ", "😀", "👍👍 !!", "???"])
def test_a_message_without_words_asks_for_a_question(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert (answer.outcome, answer.reason, answer.article) == ("refuse", "empty", None)
    assert "fråga" in answer.text or "question" in answer.text


def test_a_one_megabyte_question_is_cut_and_still_answered(answerer: Answerer) -> None:
    answer = answerer.answer("gdpr böter " + "x" * 1_000_000)
    assert answer.outcome in ("answer", "clarify", "refuse")


def test_undecodable_bytes_from_a_console_do_not_break_answering(answerer: Answerer) -> None:
    garbled = b"gdpr b\xf6ter".decode("utf-8", "surrogateescape")  # latin-1 ö in a UTF-8 tty
    answer = answerer.answer(garbled)
    assert answer.outcome in ("answer", "clarify", "refuse")


def test_mixed_swedish_and_english_is_answered_in_the_dominant_language(
    answerer: Answerer,
) -> None:
    answer = answerer.answer("hur lång tid har vi på oss att svara på en SAR request")
    assert answer.lang == "sv"
    assert answer.outcome == "answer"
    assert answer.article is not None and answer.article.id == "right-of-access"


def test_an_article_only_in_the_other_language_is_used_with_a_notice(answerer: Answerer) -> None:
    answer = answerer.answer("call recording", lang="sv")
    assert answer.answered and answer.article is not None
    assert answer.article.id == "customer-call-recording"
    assert (answer.lang, answer.notice) == ("sv", NOTICE["sv"])


def test_language_override_wins_over_detection(answerer: Answerer) -> None:
    answer = answerer.answer("registerutdrag", lang="en")
    assert answer.lang == "en"


def test_split_body_separates_short_answer_steps_and_details() -> None:
    body = "Kort svar.\n\nMer text.\n\n## Mer information\nFakta.\n\n## Så gör du\n1. Gör så."
    short, details = split_body(body)
    assert short == "Kort svar.\n\n## Så gör du\n1. Gör så."
    assert details == "Mer text.\n\n## Mer information\nFakta."
