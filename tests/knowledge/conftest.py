"""Fixtures for the knowledge tests: a small stable knowledge base and an article writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge import Answerer, KnowledgeBase, load_knowledge_base

DATA = Path(__file__).parent / "data"
FIXTURE_KB = DATA / "kb"
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


@pytest.fixture(scope="session")
def fixture_kb() -> KnowledgeBase:
    """Seven articles (sv + en, one English-only) that the retrieval tests rely on."""
    return load_knowledge_base([FIXTURE_KB], include_shipped=False)


@pytest.fixture(scope="session")
def answerer(fixture_kb: KnowledgeBase) -> Answerer:
    return Answerer(fixture_kb, DPO)
