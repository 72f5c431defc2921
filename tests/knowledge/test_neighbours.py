"""How people asked for an article before (`neighbour`): per candidate, the nearest of its
titles and phrasings and its labelled calibration questions; those questions shipped as
vectors beside the fitted parameters, and always read out of fold in calibration."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from knowledge import Answerer, KnowledgeBase
from knowledge.retrieval.calibrate import cross_validate
from knowledge.retrieval.domain import negatives_path
from knowledge.retrieval.neighbours import (
    NEIGHBOUR_FEATURE,
    NeighbourData,
    NeighbourModel,
    vote,
)
from knowledge.retrieval.scoring import (
    CONFIDENCE_FILE,
    ConfidenceModel,
    ConfidenceModels,
    load_models,
    save_models,
)
from tests.knowledge.conftest import DPO, CountingEncoder
from tests.knowledge.test_domain import _questions


def test_labelled_questions_vote_with_the_titles_and_phrasings() -> None:
    near = np.linspace(0.90, 0.81, 10)  # the ten nearest titles and phrasings: all "a"
    alone = vote(near, ["a"] * 10, np.zeros(0), [], ["a", "b"])
    assert np.allclose(alone, [1.0, 0.0])
    asked = vote(near, ["a"] * 10, np.array([0.95, 0.93, 0.5]), ["b", "b", "c"], ["a", "b", "c"])
    assert np.allclose(asked, [0.8, 0.2, 0.0])  # two labelled "b" among the ten nearest


def test_a_question_labelled_with_two_articles_votes_for_both() -> None:
    near = np.full(10, 0.5)
    values = vote(near, ["x"] * 10, np.array([0.9, 0.9]), ["a", "b"], ["a", "b", "x"])
    assert np.allclose(values, [0.1, 0.1, 0.8])


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, 8))
    return np.asarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))


def test_a_question_never_votes_for_its_own_value() -> None:
    rng = np.random.default_rng(5)
    vectors = _unit(rng, 4)
    texts = _unit(rng, 12)
    data = NeighbourData(vectors, [("a",), ("a",), (), ("b",)], [("a", "b")] * 4, texts, ["b"] * 12)
    with_itself = data([0, 1, 2, 3], [0])[0]
    without = data([2, 3], [0])[0]
    assert with_itself[0] >= 0.1  # its own vector is the nearest of all: one vote for "a"
    assert without[0] == 0.0  # without "a"'s labelled questions nothing votes for it
    assert data.known([0, 1, 2, 3]) == ([0, 1, 3], ["a", "a", "b"])  # off-topic: nobody's


def test_in_cross_validation_the_held_out_fold_is_nobody_s_neighbour() -> None:
    calls: list[tuple[set[int], list[int]]] = []

    def record(train: Sequence[int], target: Sequence[int]) -> list[np.ndarray]:
        calls.append((set(train), list(target)))
        return [np.zeros(3) for _ in target]  # one value per candidate

    cross_validate(
        _questions(40),
        ("signal", NEIGHBOUR_FEATURE),
        k=5,
        seed=2,
        stacked={NEIGHBOUR_FEATURE: record},
    )
    assert len(calls) == 5 * 6
    for outer in range(5):
        group = calls[outer * 6 : outer * 6 + 6]
        held = set(group[-1][1])
        assert all(held.isdisjoint(train) for train, _ in group)


def test_the_labelled_questions_survive_a_round_trip_beside_the_model(tmp_path: Path) -> None:
    known = NeighbourModel(np.eye(3, dtype=np.float16)[:2], ("a", "b"))
    model = ConfidenceModel((NEIGHBOUR_FEATURE,), (0.0,), (1.0,), (1.0,), 0.0, neighbours=known)
    path = tmp_path / "confidence.json"
    save_models(ConfidenceModels(model, {"enc": model}), path)
    again = load_models(path).hybrid["enc"]
    assert again.neighbours == known and again.neighbours is not None
    assert again.neighbours.ids == ("a", "b")
    near = np.full(9, 0.5)
    values = again.neighbour_values(np.array([0.0, 1.0, 0.0]), near, ["a"] * 9, ["a", "b"])
    assert values is not None and np.allclose(values, [0.9, 0.1])  # "b" asked at cosine 1


def test_a_confidence_file_whose_labelled_questions_are_missing_does_not_load(
    tmp_path: Path,
) -> None:
    known = NeighbourModel(np.eye(2), ("a", "b"))
    model = ConfidenceModel((NEIGHBOUR_FEATURE,), (0.0,), (1.0,), (1.0,), 0.0, neighbours=known)
    path = tmp_path / "confidence.json"
    save_models(ConfidenceModels(model, {"enc": model}), path)
    negatives_path(path).unlink()
    with pytest.raises(ValueError, match="missing"):
        load_models(path)


def test_a_question_near_an_article_s_labelled_question_ranks_that_article_higher(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    encoder = CountingEncoder()
    asked = "how big can the fines be"
    article = "fines"
    plain = ConfidenceModel(
        (NEIGHBOUR_FEATURE,),
        (0.0,),
        (1.0,),
        (4.0,),
        -2.0,
        neighbours=NeighbourModel(np.zeros((0, CountingEncoder.dim)), ()),
    )
    knows = ConfidenceModel(
        (NEIGHBOUR_FEATURE,),
        (0.0,),
        (1.0,),
        (4.0,),
        -2.0,
        neighbours=NeighbourModel(encoder.encode([asked], "query"), (article,)),
    )

    def probability(model: ConfidenceModel) -> float:
        models = ConfidenceModels(load_models().lexical, {encoder.model_id: model})
        answerer = Answerer(
            fixture_kb, DPO, encoder=encoder, vector_cache=tmp_path, confidence=models
        )
        ranked = answerer.ranked(asked, "en")[0]
        return next(s.probability for s in ranked if s.article.id == article)

    assert probability(knows) > probability(plain)


def test_the_shipped_hybrid_model_keeps_its_labelled_questions_beside_it() -> None:
    for model in load_models(CONFIDENCE_FILE).hybrid.values():
        assert model.neighbours is not None and model.neighbours.vectors.shape[1] == 384
        assert len(model.neighbours.ids) == len(model.neighbours.vectors)
