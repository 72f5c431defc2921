"""The strangers' hold-out set is well formed and names only existing articles."""

from __future__ import annotations

import json

from knowledge import KnowledgeBase
from knowledge.evaluate import read_cases

from .conftest import DATA

HOLDOUT = DATA / "holdout" / "strangers.jsonl"


def test_every_holdout_line_is_a_readable_case() -> None:
    cases = read_cases(HOLDOUT)
    assert len(cases) == len(HOLDOUT.read_text(encoding="utf-8").splitlines())
    assert len({c.id for c in cases}) == len(cases)


def test_holdout_labels_name_existing_articles(shipped_kb: KnowledgeBase) -> None:
    known = shipped_kb.ids()
    for line in HOLDOUT.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        assert set(case.get("articles", [])) <= known, case["id"]
        assert bool(case.get("articles")) != bool(case.get("expect_fallback")), case["id"]
