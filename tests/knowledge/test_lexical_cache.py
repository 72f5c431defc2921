"""The lexical index on disk: a start with the same articles loads what an earlier one
built (and answers exactly alike); other articles, or a broken or unwritable cache, build
the index again and never stop answering."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import Answerer, KnowledgeBase, load_knowledge_base
from knowledge.analysis.synonyms import load_synonyms
from knowledge.retrieval import lexical
from knowledge.retrieval.lexical import LanguageIndex
from knowledge.retrieval.lexical_cache import cache_path
from tests.knowledge.conftest import DPO, WriteArticle

QUESTIONS = ["hur länge sparar vi personalakter", "registerutrag", "what is a data breach"]


def _index(kb: KnowledgeBase, cache: Path | None) -> LanguageIndex:
    return LanguageIndex("sv", kb.in_language("sv"), load_synonyms(), cache_dir=cache)


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("the index was built, not loaded")

    monkeypatch.setattr(lexical.LanguageIndex, "_build", refuse)


def test_a_second_start_with_the_same_articles_loads_the_index_instead_of_building_it(
    fixture_kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _index(fixture_kb, tmp_path)
    _no_build(monkeypatch)
    _index(fixture_kb, tmp_path)


def test_a_loaded_index_is_the_built_index(fixture_kb: KnowledgeBase, tmp_path: Path) -> None:
    built = _index(fixture_kb, tmp_path)
    loaded = _index(fixture_kb, tmp_path)
    assert loaded.analyzer.learned() == built.analyzer.learned()
    assert loaded._idf == built._idf
    assert loaded._doc_terms == built._doc_terms and loaded._head_terms == built._head_terms
    for question in QUESTIONS:
        a, b = built.search(question), loaded.search(question)
        assert a.slots == b.slots and a.scores.tolist() == b.scores.tolist()


def test_answers_are_the_same_with_a_loaded_index(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    built = Answerer(fixture_kb, DPO, index_cache=tmp_path)
    loaded = Answerer(fixture_kb, DPO, index_cache=tmp_path)
    for question in QUESTIONS:
        assert loaded.answer(question) == built.answer(question)


def test_a_changed_article_builds_the_index_again(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    write_article("lagring", body="Personalakter sparas i två år.\n")
    before = _index(load_knowledge_base([tmp_path / "kb"], include_shipped=False), tmp_path)
    write_article("lagring", body="Personalakter gallras efter ett år.\n")
    after = _index(load_knowledge_base([tmp_path / "kb"], include_shipped=False), tmp_path)
    assert after.analyzer.is_corpus_word("gallras")
    assert not before.analyzer.is_corpus_word("gallras")
    again = _index(load_knowledge_base([tmp_path / "kb"], include_shipped=False), tmp_path)
    assert again.analyzer.is_corpus_word("gallras")


@pytest.mark.parametrize("content", ["{not json", '{"key": "x", "index": []}', "[]"])
def test_an_unreadable_cache_file_is_rebuilt(
    fixture_kb: KnowledgeBase, tmp_path: Path, content: str
) -> None:
    expected = _index(fixture_kb, None)
    cache_path(tmp_path, "sv").write_text(content, encoding="utf-8")
    rebuilt = _index(fixture_kb, tmp_path)
    assert rebuilt._idf == expected._idf
    assert _index(fixture_kb, tmp_path)._idf == expected._idf  # and stored again


def test_a_cache_file_with_the_right_key_but_broken_content_is_rebuilt(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    expected = _index(fixture_kb, tmp_path)
    path = cache_path(tmp_path, "sv")
    path.write_text(path.read_text(encoding="utf-8").replace('"postings"', '"x"'), "utf-8")
    assert _index(fixture_kb, tmp_path)._postings.keys() == expected._postings.keys()


def test_an_unwritable_cache_directory_only_costs_the_build(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("", encoding="utf-8")
    index = _index(fixture_kb, not_a_dir / "cache")
    assert index.search(QUESTIONS[0]).scores.any()


def test_building_the_index_in_a_fresh_process_keeps_bm25s_quiet(tmp_path: Path) -> None:
    """bm25s sets its own logger to DEBUG when imported, which now happens at the first
    build, after the bot has configured logging: the bot's level must stay."""
    script = (
        "import logging, pathlib\n"
        "from bot.logs import configure_logging\n"
        "from knowledge import Answerer, load_knowledge_base\n"
        "configure_logging('WARNING')\n"
        f"Answerer(load_knowledge_base(), 'dpo', index_cache=pathlib.Path({str(tmp_path)!r}))\n"
        "print(logging.getLogger('bm25s').getEffectiveLevel())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == str(logging.WARNING)
    assert "DEBUG" not in done.stderr
