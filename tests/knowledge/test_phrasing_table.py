"""The phrasing table (knowledge/retrieval/phrasings.py): the phrasing fit read from flat
arrays built with the index is, bit for bit, the set-based definition (the best
idf-weighted F1 over an article's title and phrasings), and a loaded index has the same
table as a built one, so no question analyses an article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge import KnowledgeBase, load_knowledge_base
from knowledge.analysis.synonyms import load_synonyms
from knowledge.retrieval import lexical
from knowledge.retrieval.lexical import LanguageIndex, LexicalResult

CALIBRATION = Path(__file__).parent / "data" / "calibration" / "questions.jsonl"


def _definition(index: LanguageIndex, result: LexicalResult, article: int) -> float:
    """The phrasing fit as defined in lexical.py's docstring, with Python sets."""
    total = sum(s.weight for s in result.slots)
    if total <= 0:
        return 0.0
    asked = frozenset(t for s in result.slots for t in s.terms)
    best = 0.0
    a = index.articles[article]
    for text in (a.title, *a.questions):
        units = []
        for word in index.analyzer.content_words(text):
            terms = frozenset(index.analyzer.expand_word(word))
            units.append((terms, max(index._idf.get(t, 0.0) for t in terms)))
        phrasing_terms = frozenset(t for terms, _ in units for t in terms)
        if not units or phrasing_terms.isdisjoint(asked):
            continue
        found = sum(s.weight for s in result.slots if not phrasing_terms.isdisjoint(s.terms))
        used = sum(w for terms, w in units if not terms.isdisjoint(asked))
        if found > 0 and used > 0:
            recall, precision = found / total, used / sum(w for _, w in units)
            best = max(best, 2 * recall * precision / (recall + precision))
    return best


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_table_s_fit_is_the_set_based_definition_bit_for_bit(
    shipped: KnowledgeBase, lang: str
) -> None:
    index = LanguageIndex(lang, shipped.in_language(lang), load_synonyms())  # type: ignore[arg-type]
    questions = [
        q["q"]
        for q in map(json.loads, CALIBRATION.read_text(encoding="utf-8").splitlines())
        if q["lang"] == lang
    ]
    everyone = list(range(len(index.articles)))
    for question in questions:
        result = index.search(question)
        expected = [_definition(index, result, i) for i in everyone]
        assert index.phrasing_fit(result, everyone) == expected, question
        assert index.phrasing_fit(result, everyone[::-3]) == expected[::-3], question


def test_an_index_loaded_from_the_cache_fits_without_analysing_an_article(
    shipped: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = shipped.in_language("sv")
    built = LanguageIndex("sv", articles, load_synonyms(), cache_dir=tmp_path)
    monkeypatch.setattr(lexical.LanguageIndex, "_build", None)  # loading only
    loaded = LanguageIndex("sv", articles, load_synonyms(), cache_dir=tmp_path)
    monkeypatch.setattr(loaded.analyzer, "content_words", None)  # no phrasing analysed
    everyone = list(range(len(articles)))
    for question in ("kunden vill bli raderad", "hur länge sparar vi fakturor", "hej"):
        fits = loaded.phrasing_fit(loaded.search(question), everyone)
        assert fits == built.phrasing_fit(built.search(question), everyone)
