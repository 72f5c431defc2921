"""Phrasing fit: a short, general question fits the general article's phrasings better
than those of a specific article that add a qualifier the question lacks, although both
articles cover all of the question's words; the confidence models read it, so the
general article wins such a question (on a small synthetic base, lexical model)."""

from __future__ import annotations

import pytest

from knowledge import Answerer, KnowledgeBase
from knowledge.analysis.synonyms import Synonyms
from knowledge.retrieval.lexical import LanguageIndex
from knowledge.retrieval.scoring import load_models
from tests.knowledge.conftest import english_article


@pytest.fixture(scope="module")
def index() -> LanguageIndex:
    articles = [
        english_article(
            "cancel-order",
            "Cancelling an order",
            "customer wants to cancel the order",
            "how do I cancel an order",
            "cancel order request",
        ),
        english_article(
            "cancel-order-refund",
            "Refunds when an order is cancelled",
            "customer wants to cancel the order but has paid by voucher",
            "customer wants to cancel, is the voucher refunded",
            "cancelled order voucher refund",
        ),
        english_article(
            "delivery-times",
            "Delivery times",
            "when does my parcel arrive",
            "how long is delivery",
            "parcel delivery delayed",
        ),
    ]
    return LanguageIndex("en", articles, Synonyms({}))


def _fit(index: LanguageIndex, question: str) -> dict[str, float]:
    result = index.search(question)
    fits = index.phrasing_fit(result, range(len(index.articles)))
    return {a.id: fit for a, fit in zip(index.articles, fits, strict=True)}


def test_a_general_question_fits_the_general_article_better_than_a_qualified_one(
    index: LanguageIndex,
) -> None:
    result = index.search("customer wants to cancel an order")
    general, specific = 0, 1
    assert index.coverage(result, general) == index.coverage(result, specific) == 1.0
    fit = _fit(index, "customer wants to cancel an order")
    assert fit["cancel-order"] > fit["cancel-order-refund"]


def test_a_question_with_the_qualifier_fits_the_specific_article_better(
    index: LanguageIndex,
) -> None:
    fit = _fit(index, "customer wants to cancel the order, what about the voucher refund")
    assert fit["cancel-order-refund"] > fit["cancel-order"]


def test_an_article_without_the_question_s_words_does_not_fit(index: LanguageIndex) -> None:
    assert _fit(index, "customer wants to cancel an order")["delivery-times"] == 0.0


def test_the_shipped_lexical_model_reads_the_phrasing_fit_and_rewards_it() -> None:
    model = load_models().lexical
    assert model.coef[model.features.index("phrase_fit")] > 0


def test_the_answerer_prefers_the_general_article_for_a_general_question(
    index: LanguageIndex,
) -> None:
    kb = KnowledgeBase(tuple(index.articles))
    answerer = Answerer(kb, "dpo@example.test")
    ranked, _ = answerer.ranked("customer wants to cancel an order", "en")
    assert [s.article.id for s in ranked[:2]] == ["cancel-order", "cancel-order-refund"]
    ranked, _ = answerer.ranked("customer wants to cancel, what about his voucher", "en")
    assert ranked[0].article.id == "cancel-order-refund"
