"""The semantic index over both languages: an article is read through its texts in the
asker's language and through both languages' texts of the same id."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge import KnowledgeBase
from knowledge.model import Article
from knowledge.retrieval.semantic import KNN, PoolView, SemanticIndex
from knowledge.retrieval.vectors import VectorStore
from tests.knowledge.conftest import CountingEncoder


@pytest.fixture(scope="module")
def encoder() -> CountingEncoder:
    return CountingEncoder()


@pytest.fixture(scope="module")
def index(fixture_kb: KnowledgeBase, encoder: CountingEncoder) -> SemanticIndex:
    return SemanticIndex(list(fixture_kb), VectorStore(encoder, None, shipped_dir=None))


def _swedish_pool(kb: KnowledgeBase) -> list[Article]:
    own = kb.in_language("sv")
    ids = {a.id for a in own}
    return own + [a for a in kb.in_language("en") if a.id not in ids]


def _scores(
    index: SemanticIndex, encoder: CountingEncoder, kb: KnowledgeBase, question: str
) -> tuple[list[Article], PoolView, dict[str, np.ndarray]]:
    pool = _swedish_pool(kb)
    view = index.view(pool)
    return pool, view, index.scores(encoder.encode([question], "query")[0], view)


def test_a_swedish_pool_reads_an_english_phrasing_of_the_same_article(
    fixture_kb: KnowledgeBase, index: SemanticIndex, encoder: CountingEncoder
) -> None:
    english = fixture_kb.get("right-of-access", "en")
    assert english is not None
    pool, _, scores = _scores(index, encoder, fixture_kb, english.questions[0])
    i = [a.id for a in pool].index("right-of-access")
    assert scores["x_asked"][i] == pytest.approx(1.0, abs=1e-5)
    assert scores["asked"][i] < 0.99  # its Swedish texts alone are not that close


def test_an_article_only_one_language_has_is_read_through_its_own_texts(
    fixture_kb: KnowledgeBase, index: SemanticIndex, encoder: CountingEncoder
) -> None:
    english_only = fixture_kb.get("customer-call-recording", "en")
    assert english_only is not None and fixture_kb.get(english_only.id, "sv") is None
    pool, _, scores = _scores(index, encoder, fixture_kb, english_only.questions[0])
    i = [a.id for a in pool].index(english_only.id)
    assert scores["asked"][i] == pytest.approx(1.0, abs=1e-5)
    assert scores["asked"][i] == pytest.approx(scores["x_asked"][i])


def test_the_mean_similarity_covers_every_title_and_phrasing_of_both_languages(
    fixture_kb: KnowledgeBase, index: SemanticIndex, encoder: CountingEncoder
) -> None:
    question = "kunden vill veta vilka uppgifter vi har om honom"
    pool, _, scores = _scores(index, encoder, fixture_kb, question)
    versions = [a for a in fixture_kb if a.id == "right-of-access"]
    texts = [t for a in versions for t in (a.title, *a.questions)]
    expected = float(
        np.mean(encoder.encode(texts, "query") @ encoder.encode([question], "query")[0])
    )
    i = [a.id for a in pool].index("right-of-access")
    assert scores["x_mean"][i] == pytest.approx(expected, abs=1e-5)


def test_the_neighbour_vote_shares_the_nearest_phrasings_among_the_articles(
    fixture_kb: KnowledgeBase, index: SemanticIndex, encoder: CountingEncoder
) -> None:
    fines = fixture_kb.get("fines", "sv")
    assert fines is not None
    pool, _, scores = _scores(index, encoder, fixture_kb, fines.questions[0])
    assert scores["knn"].sum() == pytest.approx(1.0)
    assert scores["knn"][[a.id for a in pool].index("fines")] >= 1 / KNN


def test_each_articles_nearest_text_is_the_maximum_over_its_own_and_both_languages_texts(
    fixture_kb: KnowledgeBase, index: SemanticIndex, encoder: CountingEncoder
) -> None:
    question = "hur snabbt ska vi svara på ett registerutdrag"
    pool, _, scores = _scores(index, encoder, fixture_kb, question)
    sims = index.units @ encoder.encode([question], "query")[0]
    for i, article in enumerate(pool):
        rows = index.group == index.position[article.id]
        own = rows & (index.langs == article.lang)
        assert scores["asked"][i] == pytest.approx(sims[own & ~index.passage].max())
        assert scores["x_asked"][i] == pytest.approx(sims[rows & ~index.passage].max())
        if (rows & index.passage).any():
            assert scores["x_answer"][i] == pytest.approx(sims[rows & index.passage].max())


def test_the_nearest_three_read_for_some_articles_equal_the_full_reading_there(
    fixture_kb: KnowledgeBase, index: SemanticIndex, encoder: CountingEncoder
) -> None:
    question = "kunden vill veta vilka uppgifter vi har om honom"
    _, view, full = _scores(index, encoder, fixture_kb, question)
    some = [0, 2]
    partial = index.read(encoder.encode([question], "query")[0], view).complete(some)
    for key in ("top3", "x_top3"):
        assert partial[key][some].tolist() == full[key][some].tolist()
        assert np.isnan(np.delete(partial[key], some)).all()
