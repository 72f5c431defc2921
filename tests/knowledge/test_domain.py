"""The off-topic signal: a domain classifier on the question's embedding, read by the
hybrid confidence model as the `domain` feature, and always computed out of fold in
calibration (a question never trains its own feature)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge import Answerer, KnowledgeBase
from knowledge.evaluate import EvalCase
from knowledge.retrieval.calibrate import (
    Question,
    cross_validate,
    out_of_fold_values,
    with_column,
)
from knowledge.retrieval.domain import (
    C_GRID,
    DOMAIN_FEATURE,
    DomainData,
    DomainModel,
    fit_domain,
)
from knowledge.retrieval.scoring import ConfidenceModel, ConfidenceModels, load_models, save_models
from tests.knowledge.conftest import DPO, CountingEncoder

WORKPLACE = (
    "book the big meeting room for friday",
    "when is payday this month",
    "who approves my travel expenses",
    "the coffee machine on floor three is broken",
    "how do I order a new office chair",
    "can I work from home on mondays",
)


def _unit(rows: np.ndarray) -> np.ndarray:
    return np.asarray(rows / np.linalg.norm(rows, axis=1, keepdims=True))


def _clusters(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around two directions of a 16-d space: the base's, the workplace's."""
    base, other = np.eye(16)[0], np.eye(16)[1]
    return (
        _unit(base + 0.15 * rng.standard_normal((n, 16))),
        _unit(other + 0.15 * rng.standard_normal((n, 16))),
    )


def test_the_classifier_separates_the_bases_questions_from_the_workplaces() -> None:
    rng = np.random.default_rng(5)
    texts, negatives = _clusters(rng, 40)
    on_topic, _ = _clusters(rng, 10)
    model = fit_domain(texts, np.vstack([on_topic, negatives]), [True] * 10 + [False] * 40)
    near_base, near_workplace = _clusters(rng, 20)
    assert model.logits(near_base).min() > 0 > model.logits(near_workplace).max()
    assert model.c in C_GRID


def test_a_question_near_a_known_negative_gets_less_confidence_than_one_near_an_article(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    encoder = CountingEncoder()
    plain = Answerer(fixture_kb, DPO, encoder=encoder, vector_cache=tmp_path)
    negatives = encoder.encode(list(WORKPLACE), "query")
    domain = fit_domain(plain.text_vectors(), negatives, [False] * len(WORKPLACE))
    reads_domain = ConfidenceModel((DOMAIN_FEATURE,), (0.0,), (1.0,), (1.0,), -2.0, domain=domain)
    models = ConfidenceModels(load_models().lexical, {encoder.model_id: reads_domain})
    answerer = Answerer(fixture_kb, DPO, encoder=encoder, vector_cache=tmp_path, confidence=models)
    off_topic = answerer.ranked("when is payday this month", "en")[0]
    on_topic = answerer.ranked("how big can the fines be", "en")[0]
    assert len(off_topic) == len(on_topic)  # the same candidates compete in both
    assert off_topic[0].probability < on_topic[0].probability


def _questions(n: int) -> list[Question]:
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


def test_no_question_is_ever_among_the_training_data_of_its_own_value() -> None:
    def leak(train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        return np.array([float(t in set(train)) for t in target])

    values = out_of_fold_values(leak, list(range(30)), 5, seed=1)
    assert sorted(values) == list(range(30)) and set(values.values()) == {0.0}


def test_in_cross_validation_the_held_out_fold_trains_no_feature_of_its_fold() -> None:
    """Per outer fold: five inner fits give the training questions their values, then one
    fit on all of them gives the held-out fold its own; none sees the held-out fold."""
    calls: list[tuple[set[int], list[int]]] = []

    def record(train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        calls.append((set(train), list(target)))
        return np.zeros(len(target))

    questions = _questions(40)
    cross_validate(questions, ("signal", DOMAIN_FEATURE), k=5, seed=2, stacked=record)
    assert len(calls) == 5 * 6
    for outer in range(5):
        group = calls[outer * 6 : outer * 6 + 6]
        held = set(group[-1][1])
        assert all(held.isdisjoint(train) for train, _ in group)
        assert all(held.isdisjoint(target) for _, target in group[:-1])


def test_the_value_is_one_more_column_that_all_candidates_of_a_question_share() -> None:
    questions = _questions(2)
    widened = with_column(questions, [0.5, -1.0], at=0)
    assert widened[0].rows.shape == (3, 2) and set(widened[0].rows[:, 0]) == {0.5}
    assert np.array_equal(widened[1].rows[:, 1], questions[1].rows[:, 0])


def test_a_model_with_its_domain_classifier_survives_a_round_trip(tmp_path: Path) -> None:
    domain = DomainModel((0.25, -0.5), 0.1, 10.0, {"negatives": 3})
    model = ConfidenceModel((DOMAIN_FEATURE,), (0.0,), (1.0,), (1.0,), 0.0, domain=domain)
    path = tmp_path / "confidence.json"
    save_models(ConfidenceModels(model, {"enc": model}), path)
    again = load_models(path).hybrid["enc"]
    assert again.domain == domain and again.domain_logit(np.array([1.0, 1.0])) == -0.15


def test_the_stacked_data_never_trains_on_small_talk() -> None:
    rng = np.random.default_rng(9)
    texts, negatives = _clusters(rng, 10)
    data = DomainData(
        texts, negatives[:4], np.array([False] * 4), np.array([True, True, True, False])
    )
    assert np.isclose(data.fit(range(4)).bias, fit_domain(texts, negatives[:3], [False] * 3).bias)


def test_the_shipped_hybrid_model_has_a_classifier_of_its_encoders_size() -> None:
    for model in load_models().hybrid.values():
        assert model.domain is not None and len(model.domain.weights) == 384
        assert model.domain.provenance["negatives"]["off_topic_questions"] > 0
