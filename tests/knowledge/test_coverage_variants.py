"""Round 11's lexical variants on a small synthetic base: coverage over the words the base
knows only, coverage with capped word weights, and the phrasing cover (how much of one
way of asking for an article a long message contains)."""

from __future__ import annotations

import pytest

from knowledge.analysis.synonyms import Synonyms
from knowledge.retrieval.lexical import LanguageIndex
from tests.knowledge.conftest import english_article


@pytest.fixture(scope="module")
def index() -> LanguageIndex:
    articles = [
        english_article(
            "erasure",
            "Erasing a customer's data",
            "customer wants us to erase everything about her",
            "delete all customer data",
        ),
        english_article("phone", "Recording phone calls", "may we record the phone call"),
        english_article("parcel", "Delivery times", "when does my parcel arrive"),
        english_article("refund", "Refunds", "customer wants a refund for the parcel"),
    ]
    return LanguageIndex("en", articles, Synonyms({}))


def test_a_word_the_base_never_uses_does_not_lower_coverage_over_known_words(
    index: LanguageIndex,
) -> None:
    result = index.search("customer wants us to erase everything, zyxwvut")
    plain, known = (index.coverages(result, [0], known_only=k)[0] for k in (False, True))
    assert plain < 1.0
    assert known == 1.0


def test_a_capped_weight_keeps_one_rare_incidental_word_from_dominating(
    index: LanguageIndex,
) -> None:
    result = index.search("on the phone a customer wants us to erase everything")
    plain = index.coverages(result, [0], known_only=True)[0]
    capped = index.coverages(result, [0], known_only=True, cap=0.5)[0]
    assert capped > plain


def test_a_long_message_holding_one_phrasing_covers_it_fully(index: LanguageIndex) -> None:
    question = (
        "I work in the call centre and today a customer wants us to erase everything about her"
    )
    result = index.search(question)
    cover = index.phrasing_fit(result, [0], precision=True)[0]
    f1 = index.phrasing_fit(result, [0])[0]
    assert cover == pytest.approx(1.0)
    assert f1 < cover
