"""The strangers' hold-out sets are well formed and name only existing articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.evaluate import read_cases

from .conftest import DATA

HOLDOUTS = sorted((DATA / "holdout").glob("strangers*.jsonl"))


def test_every_blind_batch_is_held_out() -> None:
    assert [p.name for p in HOLDOUTS] == [
        "strangers.jsonl",
        "strangers2.jsonl",
        "strangers3.jsonl",
        "strangers4.jsonl",
        "strangers5.jsonl",
    ]


@pytest.mark.parametrize("holdout", HOLDOUTS, ids=lambda p: p.stem)
def test_every_holdout_line_is_a_readable_case(holdout: Path) -> None:
    cases = read_cases(holdout)
    assert len(cases) == len(holdout.read_text(encoding="utf-8").splitlines())
    assert len({c.id for c in cases}) == len(cases)


@pytest.mark.parametrize("holdout", HOLDOUTS, ids=lambda p: p.stem)
def test_holdout_labels_name_existing_articles(holdout: Path, shipped_kb: KnowledgeBase) -> None:
    known = shipped_kb.ids()
    for line in holdout.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        assert set(case.get("articles", [])) <= known, case["id"]
        assert bool(case.get("articles")) != bool(case.get("expect_fallback")), case["id"]


def test_no_question_is_both_held_out_and_calibration() -> None:
    held = {c.q for p in HOLDOUTS for c in read_cases(p)}
    calibration = {c.q for p in (DATA / "calibration").glob("*.jsonl") for c in _cases(p)}
    assert not held & calibration


def _cases(path: Path) -> list:
    return read_cases(path) if "shared_labels" not in path.name else []
