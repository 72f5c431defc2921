"""The off-topic signal: the nearest-negative margin (`domain`), read by the hybrid
confidence model, its negatives shipped beside the fitted parameters, and always computed
out of fold in calibration (a question is never a negative for its own value)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from knowledge import Answerer, KnowledgeBase
from knowledge.retrieval.calibrate import cross_validate, with_column
from knowledge.retrieval.domain import (
    DOMAIN_FEATURE,
    DomainData,
    DomainModel,
    margin,
    negatives_path,
)
from knowledge.retrieval.folds import Stacked, out_of_fold_values
from knowledge.retrieval.scoring import (
    CONFIDENCE_FILE,
    ConfidenceModel,
    ConfidenceModels,
    load_models,
    save_models,
)
from tests.knowledge.conftest import (
    DPO,
    CountingEncoder,
    assert_held_out_fold_isolated,
    synthetic_questions,
)

WORKPLACE = (
    "book the big meeting room for friday",
    "when is payday this month",
    "who approves my travel expenses",
    "the coffee machine on floor three is broken",
)


def test_the_margin_is_the_nearest_text_minus_the_nearest_negative() -> None:
    values = margin(np.array([0.9, 0.5]), np.array([[0.2, 0.4], [0.8, 0.1]]))
    assert np.allclose(values, [0.5, -0.3])


def test_without_negatives_the_margin_is_measured_from_the_lowest_cosine() -> None:
    assert margin(np.array([0.5]), np.zeros((1, 0)))[0] == pytest.approx(1.5)


def test_a_question_near_a_known_negative_gets_less_confidence_than_one_near_an_article(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    encoder = CountingEncoder()
    negatives = encoder.encode(list(WORKPLACE), "query")
    reads_domain = ConfidenceModel(
        (DOMAIN_FEATURE,), (0.0,), (1.0,), (4.0,), -2.0, domain=DomainModel(negatives)
    )
    models = ConfidenceModels(load_models().lexical, {encoder.model_id: reads_domain})
    answerer = Answerer(fixture_kb, DPO, encoder=encoder, vector_cache=tmp_path, confidence=models)
    off_topic = answerer.ranked("when is payday this month", "en")[0]
    on_topic = answerer.ranked("how big can the fines be", "en")[0]
    assert len(off_topic) == len(on_topic)  # the same candidates compete in both
    assert off_topic[0].probability < on_topic[0].probability


def test_no_question_is_ever_among_the_data_of_its_own_value() -> None:
    def leak(train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        return np.array([float(t in set(train)) for t in target])

    values = out_of_fold_values(leak, list(range(30)), 5, seed=1)
    assert sorted(values) == list(range(30)) and set(values.values()) == {0.0}


def test_in_cross_validation_the_held_out_fold_is_no_negative_for_any_value() -> None:
    """Per outer fold: five inner calls give the training questions their values, then one
    on all of them gives the held-out fold its own; none reads the held-out fold."""
    calls: list[tuple[set[int], list[int]]] = []

    def record(train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        calls.append((set(train), list(target)))
        return np.zeros(len(target))

    cross_validate(synthetic_questions(40), ("signal", DOMAIN_FEATURE), k=5, seed=2, stacked=record)
    assert_held_out_fold_isolated(calls, folds=5)


def test_an_off_topic_question_is_never_its_own_nearest_negative() -> None:
    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((6, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    data = DomainData(vectors[:2], vectors, np.array([False] * 6), np.array([True] * 6))
    alone = data([1, 2, 3, 4, 5], [0])[0]
    assert alone > data([0, 1, 2], [0])[0]  # with itself as a negative it would be ≈ -1
    assert data.negatives([0, 1, 2]) == [0, 1, 2]


def test_small_talk_is_never_a_negative() -> None:
    vectors = np.eye(4)
    data = DomainData(vectors[:1], vectors, np.array([False] * 4), np.array([1, 1, 0, 1], bool))
    assert data.negatives(range(4)) == [0, 1, 3]
    assert len(data.shipped(range(4)).negatives) == 3


def test_the_value_is_one_more_column_that_all_candidates_of_a_question_share() -> None:
    questions = synthetic_questions(2)
    widened = with_column(questions, [0.5, -1.0], at=0)
    assert widened[0].rows.shape == (3, 2) and set(widened[0].rows[:, 0]) == {0.5}
    assert np.array_equal(widened[1].rows[:, 1], questions[1].rows[:, 0])


def test_a_model_and_its_negatives_survive_a_round_trip(tmp_path: Path) -> None:
    negatives = np.eye(3, dtype=np.float16)[:2]
    model = ConfidenceModel(
        (DOMAIN_FEATURE,), (0.0,), (1.0,), (1.0,), 0.0, domain=DomainModel(negatives)
    )
    path = tmp_path / "confidence.json"
    save_models(ConfidenceModels(model, {"enc": model}), path)
    assert negatives_path(path).is_file()
    again = load_models(path).hybrid["enc"]
    assert again.domain == model.domain
    assert again.domain_value(np.array([0.0, 0.0, 1.0]), 0.75) == pytest.approx(0.75)


def test_a_confidence_file_whose_negatives_are_missing_does_not_load(tmp_path: Path) -> None:
    model = ConfidenceModel(
        (DOMAIN_FEATURE,), (0.0,), (1.0,), (1.0,), 0.0, domain=DomainModel(np.eye(2))
    )
    path = tmp_path / "confidence.json"
    save_models(ConfidenceModels(model, {"enc": model}), path)
    negatives_path(path).unlink()
    with pytest.raises(ValueError, match="missing"):
        load_models(path)


def test_the_shipped_hybrid_model_keeps_its_negatives_beside_it() -> None:
    assert negatives_path(CONFIDENCE_FILE).is_file()
    for model in load_models().hybrid.values():
        assert model.domain is not None and model.domain.negatives.shape[1] == 384
        assert len(model.domain.negatives) == model.provenance["off_topic"]


def test_a_stacked_value_may_be_one_per_candidate() -> None:
    questions = synthetic_questions(2)
    widened = with_column(questions, [np.array([1.0, 2.0, 3.0]), 0.5], at=1)
    assert np.array_equal(widened[0].rows[:, 1], [1.0, 2.0, 3.0])
    assert set(widened[1].rows[:, 1]) == {0.5}


def test_several_stacked_features_each_land_in_their_own_column() -> None:
    """By name: each held-out question gets its values in the column its feature has."""
    seen: dict[str, list[int]] = {"first": [], "second": []}

    def constant(name: str, value: float) -> Stacked:
        def values(train: Sequence[int], target: Sequence[int]) -> np.ndarray:
            seen[name].extend(target)
            return np.full(len(target), value)

        return values

    trace: list[tuple[int, np.ndarray, object]] = []
    names = ("second", "signal", "first")
    stacked = {"first": constant("first", 1.0), "second": constant("second", -1.0)}
    cross_validate(synthetic_questions(40), names, k=5, seed=2, stacked=stacked, trace=trace)
    assert sorted(set(seen["first"])) == sorted(set(seen["second"])) == list(range(40))
    assert sorted(i for i, _, _ in trace) == list(range(40))  # each question once, out of fold
