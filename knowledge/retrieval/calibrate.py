"""Fit the confidence models and their thresholds on labelled questions (`kb calibrate`).

Input: labelled questions like the evaluation sets, each on-topic line naming its right
article ids (`"articles"`), off-topic lines `"expect_fallback": true` (read from question
files and from label files joined with the shared sets by `calibration_inputs`). For every
question the answerer's own candidates and features are read (`Answerer.ranked`), once
with the semantic signal and once without; each candidate is a training row labelled 1
when it is a right article. Two logistic regressions are fitted: `hybrid` (for the
encoder in use) and `lexical` (for `GDPRBOT_EMBEDDINGS=off` and encoder outages).

Thresholds: for each model, `answer_at` and `clarify_at` are the most helpful pair within
the error budget below, judged on out-of-fold probabilities (k-fold by question). The
figures reported are nested cross-validation: in each outer fold the model is fitted and
its thresholds chosen on the other folds only, then scored on the held-out questions;
per language and per input file, with the standard deviation over the outer folds.

The hybrid model's `domain` feature (`domain.py`) reads labelled questions (the off-topic
ones are its negatives), so it is stacked: every question's value comes from the
negatives of the other folds (k-fold), the confidence model is fitted on those
out-of-fold values, and the model ships with all off-topic questions as negatives. In the
nested cross-validation the held-out fold's questions are never negatives, not even for
the values of the training questions (an inner k-fold within the other folds). The
`neighbour` vote (`neighbour.py`, round 13) reads the labelled on-topic questions and is
stacked the same way; the model ships with all of them as voters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.analysis.smalltalk import small_talk
from knowledge.analysis.tokens import has_words
from knowledge.evaluate import EvalCase
from knowledge.retrieval.answerer import Answerer
from knowledge.retrieval.decision import (
    MAX_WRONG,
    MIN_OFF_TOPIC_REFUSED,
    choose_thresholds,
    offered,
    outcome,
    summarise,
)
from knowledge.retrieval.domain import DOMAIN_FEATURE, DomainData
from knowledge.retrieval.features import HYBRID_FEATURES, LEXICAL_FEATURES
from knowledge.retrieval.folds import Stacked, folds, out_of_fold_values
from knowledge.retrieval.neighbour import NEIGHBOUR_FEATURE, over_index
from knowledge.retrieval.offer import OfferModel, cross_fitted, offer_row, offer_target, strength
from knowledge.retrieval.scoring import (
    ConfidenceModel,
    ConfidenceModels,
    Thresholds,
    fit_conditional_logit,
)

__all__ = ["MAX_WRONG", "MIN_OFF_TOPIC_REFUSED", "choose_thresholds", "outcome", "summarise"]

FOLDS = 5
SEED = 20261129  # the fold split; fixed so a refit on the same file gives the same model


@dataclass(frozen=True)
class Question:
    """One labelled question's candidates (rows best-first by nothing in particular)."""

    case: EvalCase
    rows: np.ndarray
    labels: np.ndarray
    skipped: bool  # small talk or no words: refused before any model is asked
    ids: tuple[str, ...] = ()  # the candidates' article ids, one per row

    @property
    def off_topic(self) -> bool:
        return self.case.expect_fallback


def collect(
    answerer: Answerer,
    cases: Sequence[EvalCase],
    semantic: bool,
    features: Sequence[str] | None = None,
) -> list[Question]:
    """Each question's candidates with the named features (default: the model's), but
    the stacked ones (`folds.out_of_fold_values`, `with_column`): `domain`, `neighbour`."""
    names = tuple(features or (HYBRID_FEATURES if semantic else LEXICAL_FEATURES))
    names = tuple(n for n in names if n not in (DOMAIN_FEATURE, NEIGHBOUR_FEATURE))
    width = len(names)
    neutral = ConfidenceModel(
        features=names,
        mean=(0.0,) * width,
        scale=(1.0,) * width,
        coef=(0.0,) * width,
        intercept=0.0,
    )
    out: list[Question] = []
    for case in cases:
        if not has_words(case.q) or small_talk(case.q) is not None:
            out.append(Question(case, np.zeros((0, width)), np.zeros(0), True))
            continue
        lang = answerer.language(case.q)
        scored, used = answerer.ranked(case.q, lang, semantic=semantic, model=neutral)
        if semantic and not used:
            raise RuntimeError("the encoder is not available: cannot calibrate the hybrid model")
        rows = np.array([s.features for s in scored]).reshape(len(scored), width)
        right = set(case.articles)
        labels = np.array([float(s.article.id in right) for s in scored])
        out.append(Question(case, rows, labels, False, tuple(s.article.id for s in scored)))
    return out


def _fit(questions: Sequence[Question], features: Sequence[str]) -> ConfidenceModel:
    used = [(q.rows, q.labels) for q in questions if not q.skipped and len(q.rows)]
    return fit_conditional_logit(used, features)


def _out_of_fold(
    questions: Sequence[Question], features: Sequence[str], k: int, seed: int
) -> list[np.ndarray]:
    """Each question's candidate probabilities from a model fitted on the other folds."""
    predictions: list[np.ndarray] = [np.zeros(0)] * len(questions)
    for fold in folds(questions, k, seed):
        held = set(fold)
        model = _fit([q for i, q in enumerate(questions) if i not in held], features)
        for i in fold:
            predictions[i] = model.probabilities(questions[i].rows)
    return predictions


def _offer_rows(
    questions: Sequence[Question],
    probabilities: Sequence[np.ndarray],
    labelled: Sequence[float | np.ndarray],
    features: Sequence[str],
) -> list[np.ndarray | None]:
    """Per question its offer model row (`offer.py`), None without candidates."""
    at = list(features).index(DOMAIN_FEATURE)
    return [
        offer_row(offered(sorted(p.tolist(), reverse=True)), float(q.rows[0, at]), np.ravel(v))
        if len(p)
        else None
        for q, p, v in zip(questions, probabilities, labelled, strict=True)
    ]


def _fit_decision(
    train: Sequence[Question],
    positions: Sequence[int],
    features: Sequence[str],
    seed: int,
    labelled: Stacked | None = None,
    k: int = FOLDS,
) -> tuple[ConfidenceModel, OfferModel | None, Thresholds]:
    """The confidence model, the offer model (with `labelled`, the stacked labelled
    features by calibration index; `positions`: the training questions' indices) and the
    thresholds, all from these questions: the thresholds on out-of-fold probabilities and,
    with an offer model, on cross-fitted offer scores (so neither is judged on questions
    it was fitted on)."""
    model = _fit(train, features)
    probabilities = _out_of_fold(train, features, k, seed)
    plain = [summarise(p, q.labels, q.off_topic) for q, p in zip(train, probabilities, strict=True)]
    if labelled is None:
        return model, None, choose_thresholds(plain)
    values = out_of_fold_values(labelled, positions, k, seed + 3)
    rows = _offer_rows(train, probabilities, [values[i] for i in positions], features)
    target = [
        offer_target(s.off_topic, s.offered_right) if r is not None else None
        for s, r in zip(plain, rows, strict=True)
    ]
    offer, strengths = cross_fitted(rows, target, folds(train, k, seed + 4))
    summaries = [
        summarise(p, q.labels, q.off_topic, v or 0.0)
        for q, p, v in zip(train, probabilities, strengths, strict=True)
    ]
    return model, offer, choose_thresholds(summaries)


def cross_validate(
    questions: Sequence[Question],
    features: Sequence[str],
    k: int = FOLDS,
    seed: int = SEED,
    groups: Sequence[str] | None = None,
    stacked: Stacked | Mapping[str, Stacked] | None = None,
    trace: list[tuple[int, np.ndarray, Thresholds]] | None = None,
    labelled: Stacked | None = None,
) -> dict[str, Any]:
    """Nested k-fold: per outer fold, fit + thresholds on the rest, score the fold.

    Rates per language (`all`, `en`, `sv`), each with `std`, the standard deviation of the
    rates over the outer folds; with `groups` (each question's input) also `by_input`.
    With `stacked` (by feature name; a bare one is `domain`), the held-out fold's values
    come from a model fitted on the rest, and the rest's own from models fitted on the
    rest's inner folds. With `labelled` (the offer model's stacked labelled features) an
    offer model is fitted per outer fold too. `trace` receives each question's
    out-of-fold probabilities and the thresholds its fold chose (for error analysis)."""
    columns = _stacked_columns(stacked, features)
    verdicts: list[tuple[str, str, int, str]] = []  # (lang, group, fold, verdict)
    for number, fold in enumerate(folds(questions, k, seed)):
        held = set(fold)
        rest = [i for i in range(len(questions)) if i not in held]
        train = [questions[i] for i in rest]
        test = [questions[i] for i in fold]
        for at, feature in columns:  # in column order, so each lands at its place
            inner = out_of_fold_values(feature, rest, k, seed + 2)
            train = with_column(train, [inner[i] for i in rest], at)
            test = with_column(test, list(feature(rest, fold)), at)
        model, offer, limits = _fit_decision(train, rest, features, seed + 1, labelled, k)
        strengths: list[float | None] = [None] * len(test)
        if offer is not None and labelled is not None:
            probabilities = [model.probabilities(q.rows) for q in test]
            rows = _offer_rows(test, probabilities, list(labelled(rest, fold)), features)
            strengths = [strength(offer, r) for r in rows]
        for i, q, score in zip(fold, test, strengths, strict=True):
            group = groups[i] if groups is not None else ""
            summary = summarise(model.probabilities(q.rows), q.labels, q.off_topic, score)
            verdicts.append((q.case.lang, group, number, outcome(summary, limits)))
            if trace is not None:
                trace.append((i, model.probabilities(q.rows), limits))
    langs = ("all", *sorted({lg for lg, _, _, _ in verdicts}))
    result: dict[str, Any] = {
        lang: _rates_with_std([(f, v) for lg, _, f, v in verdicts if lang in ("all", lg)], k)
        for lang in langs
    }
    if groups is not None and len(set(groups)) > 1:
        result["by_input"] = {
            group: {
                lang: _rates_with_std(
                    [(f, v) for lg, g, f, v in verdicts if g == group and lang in ("all", lg)], k
                )
                for lang in langs
            }
            for group in dict.fromkeys(groups)
        }
    return result


def _stacked(
    answerer: Answerer, questions: Sequence[Question], features: Sequence[str]
) -> dict[str, Stacked]:
    """The stacked features the model reads (`domain`, `neighbour`), over these questions'
    vectors; the neighbour vote's voters are shipped with `domain`'s labelled questions."""
    if DOMAIN_FEATURE not in features:
        return {}
    texts = answerer.text_vectors()
    assert answerer.encoder is not None and answerer._semantic is not None
    vectors = answerer.encoder.encode([q.case.q for q in questions], "query")
    labels = [() if q.off_topic or q.skipped else tuple(q.case.articles) for q in questions]
    votes = NEIGHBOUR_FEATURE in features
    domain = DomainData(
        texts,
        vectors,
        np.array([not q.off_topic for q in questions]),
        np.array([not q.skipped for q in questions]),
        labels if votes else None,
    )
    if not votes:
        return {DOMAIN_FEATURE: domain}
    neighbour = over_index(answerer._semantic, vectors, labels, [q.ids for q in questions])
    return {DOMAIN_FEATURE: domain, NEIGHBOUR_FEATURE: neighbour}


def _stacked_columns(
    stacked: Stacked | Mapping[str, Stacked] | None, features: Sequence[str]
) -> list[tuple[int, Stacked]]:
    """(column, stacked feature) in column order."""
    if stacked is None:
        return []
    named = stacked if isinstance(stacked, Mapping) else {DOMAIN_FEATURE: stacked}
    return sorted(
        ((list(features).index(n), f) for n, f in named.items() if n in features),
        key=lambda pair: pair[0],
    )


def _rates_with_std(verdicts: list[tuple[int, str]], k: int) -> dict[str, Any]:
    """The rates, and their standard deviation over the folds that have questions of the
    kind (on- or off-topic) each rate is about (None with fewer than two such folds)."""
    rates = _rates([v for _, v in verdicts])
    per_fold = [_rates([v for f, v in verdicts if f == fold]) for fold in range(k)]
    std: dict[str, float | None] = {}
    for name in RATE_NAMES:
        count = "off_topic" if name.startswith("off_topic") else "on_topic"
        values = [r[name] for r in per_fold if r[count]]
        std[name] = round(float(np.std(values, ddof=1)), 4) if len(values) > 1 else None
    rates["std"] = std
    return rates


RATE_NAMES = (
    "answered_right",
    "answered_wrong",
    "right_in_answer_or_clarify",
    "refused",
    "off_topic_refused",
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_column(
    questions: Sequence[Question], values: Sequence[float | np.ndarray], at: int
) -> list[Question]:
    """The questions with one more feature at column `at`: per question one value (all its
    candidates share it) or one per candidate."""
    return [
        Question(q.case, np.insert(q.rows, at, v, axis=1), q.labels, q.skipped, q.ids)
        for q, v in zip(questions, values, strict=True)
    ]


def _rates(verdicts: list[str]) -> dict[str, Any]:
    on = [v for v in verdicts if not v.startswith("off_topic")]
    off = [v for v in verdicts if v.startswith("off_topic")]

    def share(names: tuple[str, ...], of: list[str]) -> float:
        return round(sum(v in names for v in of) / len(of), 4) if of else 1.0

    return {
        "on_topic": len(on),
        "off_topic": len(off),
        "answered_right": share(("answered_right",), on),
        "answered_wrong": share(("answered_wrong",), on),
        "right_in_answer_or_clarify": share(("answered_right", "clarified_right"), on),
        "refused": share(("refused",), on),
        "off_topic_refused": share(("off_topic_refused",), off),
    }


def calibrate(
    answerer: Answerer,
    cases: Sequence[EvalCase],
    sources: Path | Sequence[Path] | Sequence[dict[str, str]],
    groups: Sequence[str] | None = None,
) -> ConfidenceModels:
    """Both models with thresholds, cross-validated figures and provenance.

    `sources`: the input files (paths, or `{"file", "sha256"}` records as
    `calibration_inputs.Inputs.files`); `groups`: each case's input, for per-input figures."""
    if isinstance(sources, Path):
        sources = [sources]
    inputs = [s if isinstance(s, dict) else {"file": s.name, "sha256": _sha256(s)} for s in sources]
    base = {
        "fitted_on": [i["file"] for i in inputs],
        "inputs": inputs,
        "questions": len(cases),
        "off_topic": sum(c.expect_fallback for c in cases),
        "date": datetime.now(UTC).date().isoformat(),
        "budget": {"max_wrong": MAX_WRONG, "min_off_topic_refused": MIN_OFF_TOPIC_REFUSED},
        "folds": FOLDS,
        "seed": SEED,
        "how": "gdpr-bot kb calibrate (knowledge/retrieval/calibrate.py)",
    }
    models: dict[str, ConfidenceModel] = {}
    encoder_id = answerer.encoder.model_id if answerer.encoder is not None else None
    for name, semantic, features in (
        ("lexical", False, LEXICAL_FEATURES),
        ("hybrid", True, HYBRID_FEATURES),
    ):
        if semantic and encoder_id is None:
            continue
        questions = collect(answerer, cases, semantic)
        stacked = _stacked(answerer, questions, features)
        fitted = questions
        everything = list(range(len(questions)))
        for at, feature in _stacked_columns(stacked, features):
            values = out_of_fold_values(feature, everything, FOLDS, SEED)
            fitted = with_column(fitted, [values[i] for i in everything], at)
        domain = stacked.get(DOMAIN_FEATURE)
        labelled = domain.labelled if isinstance(domain, DomainData) else None
        model, offer, limits = _fit_decision(fitted, everything, features, SEED, labelled)
        provenance = base | {
            "encoder": encoder_id if semantic else None,
            "cross_validation": cross_validate(
                questions, features, groups=groups, stacked=stacked, labelled=labelled
            ),
        }
        models[name] = ConfidenceModel(
            model.features,
            model.mean,
            model.scale,
            model.coef,
            model.intercept,
            limits,
            provenance,
            domain.shipped(everything) if isinstance(domain, DomainData) else None,
            offer,
        )
    hybrid = dict(answerer.models.hybrid)
    if "hybrid" in models and encoder_id is not None:
        hybrid[encoder_id] = models["hybrid"]
    return ConfidenceModels(lexical=models["lexical"], hybrid=hybrid)
