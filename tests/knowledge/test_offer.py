"""The offer model (round 9): a "did you mean" is offered when a second model, fitted on
"the right article is among the options" against "off-topic", says so; its labelled
features come from the calibration questions and are always computed out of fold."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from knowledge import Answerer, KnowledgeBase
from knowledge.retrieval.calibrate import cross_validate
from knowledge.retrieval.domain import DOMAIN_FEATURE, DomainModel, negatives_path
from knowledge.retrieval.offer import (
    NEIGHBOURS,
    OFFER_FEATURES,
    OfferModel,
    cross_fitted,
    fit_offer,
    labelled_values,
    offer_row,
    offer_target,
)
from knowledge.retrieval.scoring import (
    ConfidenceModel,
    ConfidenceModels,
    Thresholds,
    load_models,
    save_models,
)
from tests.knowledge.conftest import (
    DPO,
    CountingEncoder,
    assert_held_out_fold_isolated,
    synthetic_questions,
)


def _always(intercept: float) -> OfferModel:
    width = len(OFFER_FEATURES)
    return OfferModel(OFFER_FEATURES, (0.0,) * width, (1.0,) * width, (0.0,) * width, intercept)


def _domain_model(domain: DomainModel, offer: OfferModel | None = None) -> ConfidenceModel:
    """A one-feature model (`domain`, weight 1) carrying `domain`'s vectors and `offer`."""
    return ConfidenceModel(
        (DOMAIN_FEATURE,), (0.0,), (1.0,), (1.0,), 0.0, domain=domain, offer=offer
    )


def _answerer(kb: KnowledgeBase, tmp_path: Path, offer: OfferModel | None) -> Answerer:
    """Never answers (answer_at above 1); offers when the offer strength reaches 0.5."""
    encoder = CountingEncoder()
    vectors = encoder.encode(["when is payday", "how big can the fines be"], "query")
    model = ConfidenceModel(
        (DOMAIN_FEATURE,),
        (0.0,),
        (1.0,),
        (1.0,),
        -8.0,  # the candidates' summed probability is tiny: the old rule would refuse
        Thresholds(answer_at=1.01, clarify_at=0.5),
        domain=DomainModel(vectors[:1], positives=vectors[1:]),
        offer=offer,
    )
    models = ConfidenceModels(load_models().lexical, {encoder.model_id: model})
    return Answerer(kb, DPO, encoder=encoder, vector_cache=tmp_path, confidence=models)


def test_the_offer_model_decides_a_did_you_mean(fixture_kb: KnowledgeBase, tmp_path: Path) -> None:
    yes = _answerer(fixture_kb, tmp_path / "a", _always(8.0)).answer("how big are fines", "en")
    no = _answerer(fixture_kb, tmp_path / "b", _always(-8.0)).answer("how big are fines", "en")
    assert (yes.outcome, no.outcome) == ("clarify", "refuse")
    assert yes.suggestions  # the options are still the first model's best candidates


def test_without_an_offer_model_the_summed_probability_decides(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    answer = _answerer(fixture_kb, tmp_path, None).answer("how big are fines", "en")
    assert answer.outcome == "refuse"


def test_the_labelled_features_are_the_off_topic_share_of_the_nearest_and_the_margin() -> None:
    positives = np.array([0.9, 0.2])
    negatives = np.array([0.7] + [0.1] * 20)
    share, margin = labelled_values(positives, negatives)
    assert share == pytest.approx((NEIGHBOURS - 2) / NEIGHBOURS)
    assert margin == pytest.approx(0.2)


def test_without_labelled_questions_the_features_are_neutral() -> None:
    assert labelled_values(np.zeros(0), np.zeros(0)) == (0.5, 0.0)


def test_a_row_reads_the_summed_probability_as_a_logit() -> None:
    row = offer_row(0.5, 0.1, (0.3, -0.2))
    assert row == pytest.approx([0.0, 0.1, 0.3, -0.2])


def test_only_off_topic_questions_and_right_offers_are_examples() -> None:
    assert offer_target(True, False) == 0.0
    assert offer_target(False, True) == 1.0
    assert offer_target(False, False) is None  # neither kind: not fitted on


def test_the_fit_scores_on_topic_rows_above_off_topic_ones() -> None:
    rng = np.random.default_rng(5)
    on = rng.normal(1.0, 0.5, (60, 4))
    off = rng.normal(-1.0, 0.5, (60, 4))
    model = fit_offer(np.vstack([on, off]), np.r_[np.ones(60), np.zeros(60)])
    assert model.score(on).mean() > 0.8 > 0.2 > model.score(off).mean()


def test_cross_fitted_scores_come_from_models_without_their_own_row() -> None:
    """Row 0 is on-topic where every other row is off-topic: only a model fitted with it
    scores it higher than its neighbours."""
    rows: list[np.ndarray | None] = [np.array([0.0, 0, 0, 0])] + [
        np.array([float(i % 2), 0, 0, 0]) for i in range(19)
    ]
    target: list[float | None] = [1.0] + [float(i % 2) for i in range(19)]
    rows.append(None)
    target.append(None)
    splits = [[0, 1, 2, 3, 20], *[list(range(i, i + 4)) for i in range(4, 20, 4)]]
    full, scores = cross_fitted(rows, target, splits)
    assert scores[20] is None and all(s is not None for s in scores[:20])
    assert float(full.score(rows[0])[0]) > (scores[0] or 0.0)


def test_in_cross_validation_the_held_out_fold_feeds_no_labelled_value() -> None:
    calls: list[tuple[set[int], list[int]]] = []

    def record(train: Sequence[int], target: Sequence[int]) -> list[np.ndarray]:
        calls.append((set(train), list(target)))
        return [np.zeros(2) for _ in target]

    def domain(train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        return np.zeros(len(target))

    cross_validate(
        synthetic_questions(40),
        ("signal", DOMAIN_FEATURE),
        k=5,
        seed=2,
        stacked=domain,
        labelled=record,
    )
    assert_held_out_fold_isolated(calls, folds=5)


def test_a_model_with_an_offer_and_positives_survives_a_round_trip(tmp_path: Path) -> None:
    domain = DomainModel(np.eye(3, dtype=np.float16)[:2], positives=np.eye(3)[2:])
    model = _domain_model(domain, offer=_always(1.5))
    path = tmp_path / "confidence.json"
    save_models(ConfidenceModels(model, {"enc": model}), path)
    again = load_models(path).hybrid["enc"]
    assert again.offer == model.offer and again.domain == model.domain
    assert again.domain is not None and again.domain.positives is not None


def test_a_confidence_file_whose_positives_are_missing_does_not_load(tmp_path: Path) -> None:
    model = _domain_model(DomainModel(np.eye(2), positives=np.eye(2)))
    path = tmp_path / "confidence.json"
    save_models(ConfidenceModels(model, {"enc": model}), path)
    key = model.domain.key if model.domain else ""
    with np.load(negatives_path(path)) as data:
        kept = {key: data[key]}
    with negatives_path(path).open("wb") as handle:
        np.savez_compressed(handle, **kept)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positives"):
        load_models(path)


def test_the_shipped_hybrid_model_has_an_offer_model_and_its_positives() -> None:
    for model in load_models().hybrid.values():
        assert model.offer is not None and model.offer.features == OFFER_FEATURES
        assert model.domain is not None and model.domain.positives is not None
        questions = model.provenance["questions"]
        assert len(model.domain.positives) == questions - model.provenance["off_topic"]
