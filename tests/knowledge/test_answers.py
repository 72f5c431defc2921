"""Answering on the small fixture knowledge base (not the shipped content, so it is stable)."""

from __future__ import annotations

import pytest

from knowledge import Answerer, KnowledgeBase, load_knowledge_base
from knowledge.answers import ANSWER_AT, NOTICE, Thresholds, split_body
from knowledge.search import Hit, SlotMatch
from tests.knowledge.conftest import DPO, FIXTURE_KB


@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        ("hur lång tid har vi på oss med registerutdraget", "right-of-access"),
        ("kostar registerutdrag något för kunden", "right-of-access"),
        ("gdpr boter", "fines"),
        ("jag mejlade fel kund", "personal-data-breach"),
        ("How long do we have to answer a SAR?", "right-of-access"),
        ("how big are the fines", "fines"),
        ("I sent the wrong customer an email with someone else's data", "personal-data-breach"),
    ],
)
def test_colloquial_questions_find_their_article(
    answerer: Answerer, question: str, article_id: str
) -> None:
    answer = answerer.answer(question)
    assert answer.answered
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


def test_dpo_placeholder_is_filled_from_settings(answerer: Answerer) -> None:
    answer = answerer.answer("när måste en incident anmälas")
    assert DPO in answer.text and "{{" not in answer.text


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
    assert not answer.answered and answer.article is None


def test_fallback_points_to_the_dpo_in_the_askers_language(answerer: Answerer) -> None:
    swedish = answerer.answer("vad blir det till lunch")
    english = answerer.answer("what is on the lunch menu")
    assert "dataskyddsombudet" in swedish.text and DPO in swedish.text
    assert "data protection officer" in english.text and DPO in english.text


def test_a_near_miss_offers_did_you_mean_suggestions(answerer: Answerer) -> None:
    answer = answerer.answer("registerutdrag och kaffemaskinen")
    assert not answer.answered
    assert [s.id for s in answer.suggestions] == ["right-of-access"]
    assert len(answer.suggestions) <= 3


def test_an_article_only_in_the_other_language_is_used_with_a_notice(answerer: Answerer) -> None:
    answer = answerer.answer("call recording", lang="sv")
    assert answer.answered and answer.article is not None
    assert answer.article.id == "customer-call-recording"
    assert (answer.lang, answer.notice) == ("sv", NOTICE["sv"])


def test_language_override_wins_over_detection(answerer: Answerer) -> None:
    answer = answerer.answer("registerutdrag", lang="en")
    assert answer.lang == "en"


def test_thresholds_can_be_tightened(fixture_kb: KnowledgeBase) -> None:
    from knowledge import Thresholds

    strict = Answerer(fixture_kb, DPO, thresholds=Thresholds(min_coverage=1.01))
    assert not strict.answer("gdpr böter").answered


def test_split_body_separates_short_answer_steps_and_details() -> None:
    body = "Kort svar.\n\nMer text.\n\n## Mer information\nFakta.\n\n## Så gör du\n1. Gör så."
    short, details = split_body(body)
    assert short == "Kort svar.\n\n## Så gör du\n1. Gör så."
    assert details == "Mer text.\n\n## Mer information\nFakta."


@pytest.mark.parametrize("question", ["", "   ", "😀", "x" * 5000, "kund" * 300])
def test_degenerate_input_falls_back_quickly(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert not answer.answered and answer.article is None


def _hit_with(*slots: SlotMatch) -> Hit:
    """A hit on any fixture article; only its slots matter to the confidence."""
    article = load_knowledge_base([FIXTURE_KB], include_shipped=False).articles[0]
    return Hit(article, 1.0, slots)


DOMAIN_WORD = SlotMatch(1.0, True, True, True, keyness=4.0, everyday=2.0)
EVERYDAY_UNKNOWN = SlotMatch(0.0, False, False, False, keyness=-4.5, everyday=4.5)
GENERIC_KNOWN = SlotMatch(0.5, True, True, True, keyness=1.5, everyday=5.0)


def test_an_unknown_everyday_word_weighs_less_next_to_a_strong_domain_word() -> None:
    hit = _hit_with(DOMAIN_WORD, GENERIC_KNOWN, EVERYDAY_UNKNOWN)
    usual = Thresholds(strong_anchor=99.0)
    assert Thresholds().coverage(hit) > usual.coverage(hit)
    assert Thresholds().accepts(hit) and not usual.accepts(hit)


def test_a_question_half_made_of_unknown_words_gets_no_discount() -> None:
    hit = _hit_with(DOMAIN_WORD, EVERYDAY_UNKNOWN)
    assert Thresholds().coverage(hit) == Thresholds(strong_anchor=99.0).coverage(hit)


def test_an_unknown_everyday_word_still_sinks_a_question_without_a_domain_word() -> None:
    hit = _hit_with(GENERIC_KNOWN, EVERYDAY_UNKNOWN)
    assert not Thresholds().accepts(hit)


@pytest.mark.parametrize(
    "slots",
    [(DOMAIN_WORD,), (GENERIC_KNOWN,), (DOMAIN_WORD, EVERYDAY_UNKNOWN), (EVERYDAY_UNKNOWN,)],
)
def test_confidence_is_in_0_1_and_at_least_the_answer_mark_exactly_when_accepted(
    slots: tuple[SlotMatch, ...],
) -> None:
    hit = _hit_with(*slots)
    confidence = Thresholds().confidence(hit)
    assert 0.0 <= confidence <= 1.0
    assert (confidence >= ANSWER_AT) == Thresholds().accepts(hit)
