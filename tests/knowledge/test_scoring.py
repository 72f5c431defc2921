"""The learned confidence: the conditional logit, the thresholds chosen by cost, the
calibration that fits both, and the committed parameters' provenance."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from knowledge import Answerer, KnowledgeBase
from knowledge.evaluate import EvalCase
from knowledge.retrieval.calibrate import (
    MAX_WRONG,
    calibrate,
    choose_thresholds,
    outcome,
    summarise,
)
from knowledge.retrieval.features import HYBRID_FEATURES, LEXICAL_FEATURES
from knowledge.retrieval.scoring import (
    CONFIDENCE_FILE,
    ConfidenceModel,
    Thresholds,
    fit_conditional_logit,
    load_models,
    save_models,
)
from tests.knowledge.conftest import CALIBRATION, DPO


def _questions(rng: np.random.Generator, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Synthetic questions: 4 candidates, one feature; the right one (if any) scores high."""
    out = []
    for i in range(n):
        x = rng.normal(0, 1, (4, 1))
        y = np.zeros(4)
        if i % 3:  # two thirds on-topic: candidate 0 is right and stands out
            x[0, 0] += 3
            y[0] = 1
        out.append((x, y))
    return out


def test_the_fit_ranks_the_right_candidate_first_and_leaves_room_for_none() -> None:
    model = fit_conditional_logit(_questions(np.random.default_rng(1), 300), ["signal"])
    on_topic = model.probabilities(np.array([[3.0], [0.0], [0.1], [-0.2]]))
    off_topic = model.probabilities(np.array([[0.2], [0.0], [0.1], [-0.2]]))
    assert int(np.argmax(on_topic)) == 0 and on_topic[0] > 0.8
    assert off_topic.sum() < 0.5  # "none of these" keeps most of the probability
    assert model.coef[0] > 0


def test_probabilities_of_the_candidates_never_sum_above_one() -> None:
    model = ConfidenceModel(("a",), (0.0,), (1.0,), (1.0,), 0.5)
    p = model.probabilities(np.array([[3.0], [2.5], [2.0]]))
    assert 0.0 < p.sum() < 1.0 and np.all(p > 0)


def test_two_close_candidates_share_the_probability() -> None:
    model = ConfidenceModel(("a",), (0.0,), (1.0,), (3.0,), 0.0)
    alone = model.probabilities(np.array([[2.0], [-2.0]]))[0]
    shared = model.probabilities(np.array([[2.0], [1.9]]))[0]
    assert shared < alone


def test_a_model_survives_a_round_trip_through_json(tmp_path: Path) -> None:
    models = load_models()
    save_models(models, tmp_path / "c.json")
    again = load_models(tmp_path / "c.json")
    assert again.lexical == models.lexical and again.hybrid == models.hybrid


def _summary(best: float, right: bool, off: bool = False) -> object:
    return summarise(np.array([best, 0.02]), np.array([float(right), 0.0]), off)


def test_outcomes_follow_the_thresholds() -> None:
    limits = Thresholds(answer_at=0.8, clarify_at=0.4)
    assert outcome(_summary(0.9, True), limits) == "answered_right"  # type: ignore[arg-type]
    assert outcome(_summary(0.9, False), limits) == "answered_wrong"  # type: ignore[arg-type]
    assert outcome(_summary(0.5, True), limits) == "clarified_right"  # type: ignore[arg-type]
    assert outcome(_summary(0.1, True), limits) == "refused"  # type: ignore[arg-type]
    assert outcome(_summary(0.9, False, off=True), limits) == "off_topic_answered"  # type: ignore[arg-type]


def test_thresholds_keep_wrong_answers_within_the_budget() -> None:
    """Right answers score 0.95, wrong ones 0.7: answering at 0.7 would be 20 % wrong."""
    summaries = [_summary(0.95, True) for _ in range(20)] + [_summary(0.7, False) for _ in range(5)]
    limits = choose_thresholds(summaries)  # type: ignore[arg-type]
    assert 0.7 < limits.answer_at <= 0.95
    assert MAX_WRONG == 0.03  # the bar


def test_thresholds_answer_as_much_as_the_budget_allows() -> None:
    """All answers right: the mark lies between the off-topic question and the answers."""
    summaries = [_summary(0.6, True) for _ in range(20)] + [_summary(0.3, False, off=True)]
    limits = choose_thresholds(summaries)  # type: ignore[arg-type]
    assert 0.3 < limits.answer_at <= 0.6


def test_calibration_fits_the_lexical_model_with_cross_validation_and_provenance(
    answerer: Answerer, tmp_path: Path
) -> None:
    source = tmp_path / "labelled.jsonl"
    cases = [
        EvalCase("a", "sv", "vad kostar registerutdrag", articles=("right-of-access",)),
        EvalCase("b", "sv", "gdpr böter", articles=("fines",)),
        EvalCase("c", "en", "how big are the fines", articles=("fines",)),
        EvalCase("d", "sv", "jag mejlade fel kund", articles=("personal-data-breach",)),
        EvalCase(
            "e", "en", "lost my laptop with customer data", articles=("personal-data-breach",)
        ),
        EvalCase("f", "en", "call recording rules", articles=("customer-call-recording",)),
        EvalCase("g", "sv", "vad blir det till lunch", expect_fallback=True),
        EvalCase("h", "en", "when is payday", expect_fallback=True),
        EvalCase("i", "en", "book a meeting room", expect_fallback=True),
        EvalCase("j", "sv", "var får jag parkera", expect_fallback=True),
    ]
    source.write_text("\n".join(json.dumps({"q": c.q}) for c in cases), encoding="utf-8")
    models = calibrate(answerer, cases, source)
    lexical = models.lexical
    assert lexical.features == LEXICAL_FEATURES
    provenance = lexical.provenance
    assert provenance["fitted_on"] == ["labelled.jsonl"] and provenance["questions"] == 10
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert provenance["inputs"] == [{"file": "labelled.jsonl", "sha256": digest}]
    figures = provenance["cross_validation"]["all"]
    assert set(figures) >= {"answered_right", "off_topic_refused", "std"}
    assert set(figures["std"]) >= {"answered_right", "answered_wrong", "off_topic_refused"}
    assert 0.0 < lexical.thresholds.answer_at < 1.0


def test_calibration_reports_figures_per_input_when_fitted_on_several(
    answerer: Answerer, tmp_path: Path
) -> None:
    cases = [
        EvalCase(
            str(i), "sv" if i % 2 else "en", q, articles=(a,) if a else (), expect_fallback=not a
        )
        for i, (q, a) in enumerate(
            [
                ("gdpr böter", "fines"),
                ("how big are the fines", "fines"),
                ("vad kostar registerutdrag", "right-of-access"),
                ("jag mejlade fel kund", "personal-data-breach"),
                ("lost my laptop with customer data", "personal-data-breach"),
                ("vad blir det till lunch", ""),
                ("when is payday", ""),
                ("var får jag parkera", ""),
                ("maximum gdpr fine", "fines"),
                ("book a meeting room", ""),
            ]
        )
    ]
    groups = ["questions"] * 6 + ["dev2"] * 4
    inputs = [
        {"file": "questions.jsonl", "sha256": "a" * 64},
        {"file": "dev2.jsonl", "sha256": "b" * 64},
    ]
    provenance = calibrate(answerer, cases, inputs, groups).lexical.provenance
    assert provenance["fitted_on"] == ["questions.jsonl", "dev2.jsonl"]
    by_input = provenance["cross_validation"]["by_input"]
    assert set(by_input) == {"questions", "dev2"}
    assert by_input["dev2"]["all"]["on_topic"] + by_input["dev2"]["all"]["off_topic"] == 4


def test_the_committed_parameters_were_fitted_on_the_committed_calibration_files() -> None:
    """Every calibration file is an input of the committed fit: edit one, then refit (see
    the calibration README)."""
    raw = json.loads(CONFIDENCE_FILE.read_text(encoding="utf-8"))
    committed = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(CALIBRATION.parent.glob("*.jsonl"))
    }
    for model in (raw["lexical"], *raw["hybrid"].values()):
        recorded = {i["file"]: i["sha256"] for i in model["provenance"]["inputs"]}
        assert {name: recorded.get(name) for name in committed} == committed
    assert tuple(raw["lexical"]["features"]) == LEXICAL_FEATURES
    assert all(tuple(m["features"]) == HYBRID_FEATURES for m in raw["hybrid"].values())


def test_the_committed_parameters_were_fitted_on_these_shared_sets(shared_dir: Path) -> None:
    raw = json.loads(CONFIDENCE_FILE.read_text(encoding="utf-8"))
    for name in ("dev.jsonl", "dev2.jsonl"):
        digest = hashlib.sha256((shared_dir / "eval" / name).read_bytes()).hexdigest()
        for model in (raw["lexical"], *raw["hybrid"].values()):
            recorded = {i["file"]: i["sha256"] for i in model["provenance"]["inputs"]}
            assert recorded.get(name) == digest


@pytest.mark.parametrize("semantic", [False, True])
def test_the_decision_thresholds_leave_room_to_ask_back(semantic: bool) -> None:
    models = load_models()
    model = models.lexical if not semantic else next(iter(models.hybrid.values()))
    assert model.thresholds.clarify_at > 0.0 and 0.0 < model.thresholds.answer_at < 1.0


def test_an_unknown_fixture_kb_answerer_uses_the_lexical_model(fixture_kb: KnowledgeBase) -> None:
    answerer = Answerer(fixture_kb, DPO)
    assert answerer.model(semantic=False).features == LEXICAL_FEATURES
