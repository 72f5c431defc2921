"""The article labels for the shared evaluation sets (`shared_labels.jsonl`): complete,
by id only, naming articles that exist, and kept apart from the frozen split."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.evaluate import EvalCase, read_cases
from knowledge.retrieval.calibration_inputs import read_labels
from tests.knowledge.conftest import FROZEN, SHARED_LABELS

SETS = ("dev", "dev2")


@pytest.fixture(scope="module")
def shared_sets(shared_dir: Path) -> dict[str, list[EvalCase]]:
    return {name: read_cases(shared_dir / "eval" / f"{name}.jsonl") for name in SETS}


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _jaccard(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


def test_every_shared_question_is_labelled_exactly_once(
    shared_sets: dict[str, list[EvalCase]],
) -> None:
    labelled = [(str(label["set"]), str(label["id"])) for label in read_labels(SHARED_LABELS)]
    expected = [(name, case.id) for name in SETS for case in shared_sets[name]]
    assert sorted(labelled) == sorted(expected)
    assert len(set(labelled)) == len(labelled)


def test_off_topic_labels_are_the_shared_sets_off_topic_questions(
    shared_sets: dict[str, list[EvalCase]],
) -> None:
    off = {(n, c.id) for n in SETS for c in shared_sets[n] if c.expect_fallback}
    labels = read_labels(SHARED_LABELS)
    assert {(str(lb["set"]), str(lb["id"])) for lb in labels if lb.get("expect_fallback")} == off


def test_every_labelled_article_exists_in_the_shipped_base(shipped_kb: KnowledgeBase) -> None:
    known = {a.id for a in shipped_kb}
    missing = [
        (label["id"], article)
        for label in read_labels(SHARED_LABELS)
        for article in label.get("articles") or []  # type: ignore[attr-defined]
        if article not in known
    ]
    assert missing == []


def test_questions_near_the_frozen_split_are_marked_and_no_others(
    shared_sets: dict[str, list[EvalCase]],
) -> None:
    """Within Jaccard 0.5 (word sets) of a frozen question: labelled, never fitted on."""
    frozen = [case.q for case in read_cases(FROZEN)]
    near = {
        (name, case.id)
        for name in SETS
        for case in shared_sets[name]
        if any(_jaccard(case.q, q) >= 0.5 for q in frozen)
    }
    marked = {
        (str(label["set"]), str(label["id"]))
        for label in read_labels(SHARED_LABELS)
        if label.get("near_frozen")
    }
    assert marked == near


def test_the_labels_carry_no_question_text() -> None:
    """A clone without ../shared must not hold the shared questions."""
    for line in SHARED_LABELS.read_text(encoding="utf-8").splitlines():
        assert set(json.loads(line)) <= {
            "set",
            "id",
            "articles",
            "expect_fallback",
            "no_article",
            "near_frozen",
        }
