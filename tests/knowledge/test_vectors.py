"""Article vectors: computed once per text and model, cached on disk, shipped for the
shipped articles; a cache that cannot be read or written never stops answering."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from knowledge import Answerer, KnowledgeBase
from knowledge.retrieval.encoder import BUILTIN_MODEL_ID
from knowledge.retrieval.vectors import (
    VectorStore,
    article_units,
    keys_for,
    read_vectors,
    shipped_vectors_path,
)
from tests.knowledge.conftest import DPO, CountingEncoder, WriteArticle


def _answerer(kb: KnowledgeBase, encoder: CountingEncoder, cache: Path | None) -> Answerer:
    return Answerer(kb, DPO, encoder=encoder, vector_cache=cache)


def test_an_articles_title_phrasings_and_direct_answer_are_embedded(
    fixture_kb: KnowledgeBase,
) -> None:
    article = fixture_kb.articles[0]
    units = article_units(article)
    assert [u.text for u in units[: 1 + len(article.questions)]] == [
        article.title,
        *article.questions,
    ]
    assert units[-1].kind == "passage" and article.body.startswith(units[-1].text)


def test_vectors_are_computed_once_and_then_read_from_the_cache(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    first = CountingEncoder()
    _answerer(fixture_kb, first, tmp_path).prepare()
    assert first.texts
    second = CountingEncoder()
    _answerer(fixture_kb, second, tmp_path).prepare()
    assert second.texts == []


def test_a_changed_article_re_embeds_only_its_changed_texts(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    from knowledge import load_knowledge_base

    root = tmp_path / "kb"
    write_article("first", body="Första svaret.\n", root=root)
    write_article("second", body="Andra svaret.\n", root=root)
    cache = tmp_path / "cache"
    _answerer(
        load_knowledge_base([root], include_shipped=False), CountingEncoder(), cache
    ).prepare()
    write_article("second", body="Ett nytt svar.\n", root=root)
    again = CountingEncoder()
    _answerer(load_knowledge_base([root], include_shipped=False), again, cache).prepare()
    assert again.texts == ["Ett nytt svar."]


def test_a_read_only_cache_location_does_not_stop_answering(
    fixture_kb: KnowledgeBase,
) -> None:
    read_only = Path("/proc/gdpr-bot-vectors")  # not even root may create files in /proc
    answerer = _answerer(fixture_kb, CountingEncoder(), read_only)
    assert answerer.prepare()
    assert answerer.answer("gdpr böter").outcome in ("answer", "clarify")
    assert not read_only.exists()


def test_a_cache_path_that_is_a_file_does_not_stop_answering(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    answerer = _answerer(fixture_kb, CountingEncoder(), blocker / "vectors")
    assert answerer.prepare()


def test_a_corrupt_cache_file_is_ignored_and_rewritten(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    encoder = CountingEncoder()
    (tmp_path / f"{encoder.model_id}.npz").write_bytes(b"not a numpy file")
    _answerer(fixture_kb, encoder, tmp_path).prepare()
    assert encoder.texts
    assert read_vectors(tmp_path / f"{encoder.model_id}.npz")


def test_a_missing_cache_dir_is_created(fixture_kb: KnowledgeBase, tmp_path: Path) -> None:
    _answerer(fixture_kb, CountingEncoder(), tmp_path / "new" / "dir").prepare()
    assert (tmp_path / "new" / "dir" / "counting-test-encoder.npz").is_file()


def test_vectors_of_different_models_do_not_mix(fixture_kb: KnowledgeBase, tmp_path: Path) -> None:
    _answerer(fixture_kb, CountingEncoder(), tmp_path).prepare()

    class OtherModel(CountingEncoder):
        model_id = "another-model"

    other = OtherModel()
    _answerer(fixture_kb, other, tmp_path).prepare()
    assert other.texts


def test_the_shipped_vectors_cover_exactly_the_shipped_articles(
    shipped_kb: KnowledgeBase,
) -> None:
    """Regenerate with `gdpr-bot kb embed --shipped` after editing shipped articles."""
    shipped = read_vectors(shipped_vectors_path(BUILTIN_MODEL_ID))
    wanted = keys_for(BUILTIN_MODEL_ID, shipped_kb)
    assert wanted - set(shipped) == set(), "shipped articles without vectors: run kb embed"
    assert set(shipped) - wanted == set(), "stale shipped vectors: run kb embed --shipped"


def test_shipped_vectors_are_unit_length(shipped_kb: KnowledgeBase) -> None:
    shipped = read_vectors(shipped_vectors_path(BUILTIN_MODEL_ID))
    norms = np.linalg.norm(np.vstack(list(shipped.values())), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-2)


def test_the_store_reads_shipped_vectors_without_embedding(
    shipped_kb: KnowledgeBase, tmp_path: Path
) -> None:
    class Builtin(CountingEncoder):
        model_id = BUILTIN_MODEL_ID

    encoder = Builtin()
    units = [u for a in shipped_kb for u in article_units(a)]
    VectorStore(encoder, tmp_path).matrix(units)
    assert encoder.texts == []
