"""Fixtures for the knowledge tests: a small stable knowledge base, an article writer, a
counting fake encoder, and the shipped base with the real embedding model."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from knowledge import Answerer, KnowledgeBase, build_encoder, load_knowledge_base
from knowledge.analysis.tokens import words
from knowledge.evaluate import EvalCase
from knowledge.model import Article
from knowledge.retrieval.calibrate import Question
from knowledge.retrieval.encoder import Kind

DATA = Path(__file__).parent / "data"
FIXTURE_KB = DATA / "kb"
CALIBRATION = DATA / "calibration" / "questions.jsonl"
FROZEN = DATA / "frozen" / "frozen_test.jsonl"
SHARED_LABELS = DATA / "calibration" / "shared_labels.jsonl"
DPO = "Dana Dataskydd (dpo@example.test)"

VALID_FRONT_MATTER = """\
id: {id}
lang: {lang}
title: Ett exempel
questions:
  - hur gör man
tags: [exempel]
gdpr: ["15"]
owner: Dataskyddsombud
reviewed: 2026-10-01
review_every_months: 12
related: []
"""

WriteArticle = Callable[..., Path]


@pytest.fixture
def write_article(tmp_path: Path) -> WriteArticle:
    """Write `<root>/<lang>/<id>.md`; `front` replaces the front matter, `body` the body."""

    def write(
        article_id: str = "example",
        lang: str = "sv",
        *,
        front: str | None = None,
        body: str = "Ett kort svar.\n",
        root: Path | None = None,
        folder: str | None = None,
    ) -> Path:
        directory = (root or tmp_path / "kb") / (folder or lang)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{article_id}.md"
        text = front if front is not None else VALID_FRONT_MATTER.format(id=article_id, lang=lang)
        path.write_text(f"---\n{text}---\n{body}", encoding="utf-8")
        return path

    return write


class CountingEncoder:
    """A deterministic stand-in for an embedding model: each word is a fixed random
    direction, a text the normalised sum of its words. Counts the texts it embeds."""

    model_id = "counting-test-encoder"
    dim = 64

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        self.texts.extend(texts)
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in words(text) or ["-"]:
                seed = int(hashlib.sha256(word.encode()).hexdigest()[:8], 16)
                rows[i] += np.random.default_rng(seed).standard_normal(self.dim)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture(scope="session")
def fixture_kb() -> KnowledgeBase:
    """Seven articles (sv + en, one English-only) that the retrieval tests rely on."""
    return load_knowledge_base([FIXTURE_KB], include_shipped=False)


@pytest.fixture(scope="session")
def answerer(fixture_kb: KnowledgeBase) -> Answerer:
    """The fixture base on the lexical signal alone (`GDPRBOT_EMBEDDINGS=off`)."""
    return Answerer(fixture_kb, DPO)


@pytest.fixture(scope="session")
def shipped_kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="session")
def shipped_answerer(
    shipped_kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory
) -> Answerer:
    """The shipped base with the real multilingual-e5-small: article vectors come from the
    shipped package data (nothing is embedded but the questions)."""
    return Answerer(
        shipped_kb,
        "dpo@example.test",
        encoder=build_encoder("builtin"),
        vector_cache=tmp_path_factory.mktemp("vectors"),
    )


def synthetic_questions(n: int) -> list[Question]:
    """`n` labelled questions with one feature: every third off-topic, the others' right
    candidate (first of three) three standard deviations ahead (for calibration tests)."""
    rng = np.random.default_rng(3)
    out = []
    for i in range(n):
        off = i % 3 == 0
        case = EvalCase(
            f"q{i}", "sv", f"fråga {i}", expect_fallback=off, articles=(("a",), ())[off]
        )
        rows = rng.normal(0, 1, (3, 1))
        labels = np.zeros(3)
        if not off:
            rows[0, 0] += 3
            labels[0] = 1
        out.append(Question(case, rows, labels, False))
    return out


def english_article(article_id: str, title: str, *questions: str) -> Article:
    """A minimal English article for a small hand-made index."""
    return Article(
        id=article_id,
        lang="en",
        title=title,
        body="A short answer.\n",
        owner="Data protection officer",
        reviewed=date(2026, 11, 1),
        questions=questions,
    )


def assert_held_out_fold_isolated(calls: Sequence[tuple[set[int], list[int]]], folds: int) -> None:
    """Stacked calls of a nested cross-validation, `folds + 1` per outer fold (the inner
    folds', then the held-out fold's): the held-out questions are in no call's training
    data and no inner call's targets."""
    per_outer = folds + 1
    assert len(calls) == folds * per_outer
    for outer in range(folds):
        group = calls[outer * per_outer : (outer + 1) * per_outer]
        held = set(group[-1][1])
        assert all(held.isdisjoint(train) for train, _ in group)
        assert all(held.isdisjoint(target) for _, target in group[:-1])
