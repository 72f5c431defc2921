"""The learned confidence: a conditional logit over a question's candidates (numpy only).

Each candidate article gets a linear score `w · features + b`; the probabilities are a
softmax over the candidates *plus one outside option* ("none of these: the knowledge base
does not answer this") whose score is fixed at 0:

    P(article c) = exp(s_c) / (1 + Σ_j exp(s_j)),   P(none) = 1 / (1 + Σ_j exp(s_j))

so candidates compete (two close candidates share the probability, which is what "did you
mean" is for) and an off-topic question can give every candidate a small probability. It
is logistic regression's multinomial form with a varying choice set (McFadden's
conditional logit), fitted by maximum likelihood with a ridge penalty. Its parameters are fitted by
`gdpr-bot kb calibrate FILE` (see `retrieval/calibrate.py`) and committed in
`retrieval/confidence.json` with their provenance: the calibration file and its hash,
the encoder, the date, the cross-validated figures, and the decision costs the two
thresholds were chosen by. Nothing in here is set by hand except what is named below.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.retrieval.domain import (
    DOMAIN_FEATURE,
    DomainModel,
    negatives_path,
    read_domain,
    read_negatives,
    write_negatives,
)
from knowledge.retrieval.neighbour import NEIGHBOUR_FEATURE
from knowledge.retrieval.offer import OfferModel, offer_row
from knowledge.retrieval.semantic import Reading

CONFIDENCE_FILE = Path(__file__).resolve().parent / "confidence.json"
# Ridge penalty on the standardised weights: the usual default of scikit-learn's
# LogisticRegression (C = 1); with a few hundred questions and < 10 features it only
# keeps collinear features (the two margins) from taking extreme opposite weights.
L2 = 1.0
MAX_STEPS = 3000  # gradient steps; the fit converges (loss change < 1e-9) well before


@dataclass(frozen=True)
class Thresholds:
    """When the best candidate's probability is enough to answer, and when the top
    candidates are worth offering as "did you mean …?" (below `clarify_at`: refuse)."""

    answer_at: float = 0.5  # P(best candidate) at which the bot answers
    clarify_at: float = 0.5  # P(one of the offered candidates) at which it asks back


@dataclass(frozen=True)
class ConfidenceModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    thresholds: Thresholds = field(default_factory=Thresholds)
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)
    domain: DomainModel | None = None  # the negatives behind the `domain` feature
    offer: OfferModel | None = None  # round 9: what `clarify_at` is compared with

    def offer_strength(
        self, offered: float, query: np.ndarray | None, domain: float | None
    ) -> float:
        """What `clarify_at` is compared with: the options' summed probability `offered`,
        or, with an offer model (and the question's vector), the offer model's score."""
        if self.offer is None or self.domain is None or query is None or domain is None:
            return offered
        row = offer_row(offered, domain, self.domain.labelled(query))
        return float(self.offer.score(row)[0])

    def domain_value(self, query: np.ndarray | None, nearest_text: float) -> float | None:
        """The `domain` feature of a question vector, when this model reads it
        (`nearest_text`: the question's cosine to the nearest text of the base)."""
        if DOMAIN_FEATURE not in self.features or query is None:
            return None
        if self.domain is None:
            raise ValueError("the model reads `domain` but has no negatives")
        return self.domain.value(query, nearest_text)

    def neighbour_values(self, reading: Reading, ids: Sequence[str]) -> list[float] | None:
        """The `neighbour` vote of each candidate (`ids`), when this model reads it: from the
        question's nearest titles and phrasings and the labelled questions (`neighbour.py`)."""
        if NEIGHBOUR_FEATURE not in self.features:
            return None
        if self.domain is None or self.domain.labels is None:
            raise ValueError("the model reads `neighbour` but has no labelled questions")
        vote = self.domain.neighbour(reading.query, reading.near, reading.near_ids, ids)
        return [float(v) for v in vote]

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        z = (matrix - np.array(self.mean)) / np.array(self.scale)
        return np.asarray(z @ np.array(self.coef) + self.intercept, dtype=np.float64)

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        """P(each candidate is the article asked for); the rest is P(none of them)."""
        if len(matrix) == 0:
            return np.zeros(0)
        return _softmax_with_outside(self.scores(matrix))

    def as_json(self) -> dict[str, Any]:
        return (
            {
                "features": list(self.features),
                "mean": list(self.mean),
                "scale": list(self.scale),
                "coef": list(self.coef),
                "intercept": self.intercept,
                "thresholds": {
                    "answer_at": self.thresholds.answer_at,
                    "clarify_at": self.thresholds.clarify_at,
                },
                "provenance": self.provenance,
            }
            | ({"domain": self.domain.as_json()} if self.domain is not None else {})
            | ({"offer": self.offer.as_json()} if self.offer is not None else {})
        )

    @classmethod
    def from_json(
        cls, raw: dict[str, Any], negatives: dict[str, np.ndarray] | None = None
    ) -> ConfidenceModel:
        thresholds = raw.get("thresholds", {})
        return cls(
            features=tuple(raw["features"]),
            mean=tuple(float(x) for x in raw["mean"]),
            scale=tuple(float(x) for x in raw["scale"]),
            coef=tuple(float(x) for x in raw["coef"]),
            intercept=float(raw["intercept"]),
            thresholds=Thresholds(
                float(thresholds.get("answer_at", 0.5)), float(thresholds.get("clarify_at", 0.2))
            ),
            provenance=dict(raw.get("provenance", {})),
            domain=read_domain(raw["domain"], negatives or {}) if "domain" in raw else None,
            offer=OfferModel.from_json(raw["offer"]) if "offer" in raw else None,
        )


def _softmax_with_outside(scores: np.ndarray) -> np.ndarray:
    top = max(float(scores.max()), 0.0)
    weights = np.exp(scores - top)
    return np.asarray(weights / (np.exp(-top) + weights.sum()), dtype=np.float64)


def fit_conditional_logit(
    questions: Sequence[tuple[np.ndarray, np.ndarray]],
    features: Sequence[str],
    l2: float = L2,
) -> ConfidenceModel:
    """Fit on (candidate rows, right-article mask) per question; a question whose mask is
    all zero (off-topic, or its article not among the candidates) targets "none"."""
    used = [(x, y) for x, y in questions if len(x)]
    stacked = np.vstack([x for x, _ in used])
    mean = stacked.mean(axis=0)
    scale = stacked.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = (stacked - mean) / scale
    right = np.concatenate([y for _, y in used]).astype(bool)
    sizes = np.array([len(x) for x, _ in used])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    group = np.repeat(np.arange(len(used)), sizes)
    has_right = np.add.reduceat(right.astype(np.float64), starts) > 0
    n_questions = len(used)
    dim = stacked.shape[1]

    def loss_and_gradient(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w[1:] + w[0]
        top = np.maximum(np.maximum.reduceat(s, starts), 0.0)  # per question, for stability
        e = np.exp(s - top[group])
        outside = np.exp(-top)
        denominator = outside + np.add.reduceat(e, starts)
        p = e / denominator[group]
        numerator = np.where(has_right, np.add.reduceat(np.where(right, e, 0.0), starts), outside)
        total = float(-np.log(numerator / denominator).sum()) + 0.5 * l2 * float(w[1:] @ w[1:])
        target = np.where(right, e / numerator[group], 0.0) * has_right[group]
        g = p - target
        grad = np.empty_like(w)
        grad[0] = g.sum()
        grad[1:] = z.T @ g + l2 * w[1:]
        return total, grad

    w = np.zeros(dim + 1)
    loss, grad = loss_and_gradient(w)
    step = 1.0
    for _ in range(MAX_STEPS):
        # gradient descent with a backtracking line search: the loss is convex
        while step > 1e-12:
            candidate = w - step * grad / n_questions
            new_loss, new_grad = loss_and_gradient(candidate)
            if new_loss <= loss - 1e-4 * step * float(grad @ grad) / n_questions:
                break
            step /= 2
        if step <= 1e-12 or loss - new_loss < 1e-9:
            break
        w, loss, grad = candidate, new_loss, new_grad
        step *= 2
    return ConfidenceModel(
        features=tuple(features),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in w[1:]),
        intercept=float(w[0]),
    )


@dataclass(frozen=True)
class ConfidenceModels:
    """The lexical-only model and one hybrid model per encoder it was fitted with."""

    lexical: ConfidenceModel
    hybrid: dict[str, ConfidenceModel]

    def for_encoder(self, model_id: str | None) -> tuple[ConfidenceModel, bool]:
        """(model, exact): the hybrid model of this encoder, or of another one (not exact)
        when the encoder was never calibrated, or the lexical one without an encoder."""
        if model_id is None:
            return self.lexical, True
        if model_id in self.hybrid:
            return self.hybrid[model_id], True
        return next(iter(self.hybrid.values()), self.lexical), False

    def as_json(self) -> dict[str, Any]:
        return {
            "lexical": self.lexical.as_json(),
            "hybrid": {k: v.as_json() for k, v in self.hybrid.items()},
        }


def load_models(path: Path = CONFIDENCE_FILE) -> ConfidenceModels:
    """The models of a confidence file, with the negatives' vectors of the file beside it
    (`domain.negatives_path`)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    every = [raw["lexical"], *raw.get("hybrid", {}).values()]
    vectors = read_negatives(negatives_path(path)) if any("domain" in m for m in every) else {}
    return ConfidenceModels(
        lexical=ConfidenceModel.from_json(raw["lexical"], vectors),
        hybrid={k: ConfidenceModel.from_json(v, vectors) for k, v in raw.get("hybrid", {}).items()},
    )


def save_models(models: ConfidenceModels, path: Path = CONFIDENCE_FILE) -> None:
    """The JSON, and the negatives' vectors (if a model has them) in the file beside it."""
    path.write_text(json.dumps(models.as_json(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    every = [models.lexical, *models.hybrid.values()]
    write_negatives(negatives_path(path), [m.domain for m in every if m.domain is not None])
