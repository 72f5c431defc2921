"""Is the question about this knowledge base at all? A linear domain classifier on the
question's embedding, read by the hybrid confidence model as one more feature, `domain`.

The other features compare a question with each candidate article; an off-topic question
that uses the base's words ("radera dubbelbokningen i kalendern", "request access to the
shared drive") can look like a fair match to some article by all of them. What tells it
apart is where the question sits in the embedding space as a whole: near what the base is
about, or near the general workplace questions people also send the bot. This module
learns that boundary:

- positives: every embedded text of the knowledge base (titles and phrasings as
  "query: ", direct answers as "passage: "; the vectors the semantic index holds anyway,
  so the boundary follows a company's own articles after `kb calibrate`) and the on-topic
  calibration questions;
- negatives: the off-topic calibration questions (general workplace questions, many with
  data-protection words);
- L2-regularised logistic regression on the encoder's unit vectors, both classes weighted
  to half the total (article texts outnumber the off-topic questions about 8 to 1), the
  intercept not penalised, fitted by Newton's method (numpy only);
- the regularisation strength C (inverse, as in scikit-learn) chosen from `C_GRID` by
  `FOLDS`-fold cross-validated log loss on the calibration questions (the article texts
  are in every fold's training set: they are no labelled questions).

The feature is the logit `w · q + b`: one dot product per question. In calibration it is
stacked (`calibrate.py`): a question's value always comes from a classifier fitted without
it, so the confidence model learns how much to trust the logit on questions the
classifier has not seen, as at inference.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DOMAIN_FEATURE = "domain"
# Decades around scikit-learn's default C = 1: 0.1 makes the weights about as long as the
# vectors' own scale (a soft boundary), 100 lets them fit the calibration questions closely.
C_GRID = (0.1, 1.0, 10.0, 100.0)
FOLDS = 5  # the inner cross-validation that picks C, as the confidence model's own k-fold
SEED = 20261130  # its fold split: fixed so a refit on the same data gives the same model
NEWTON_STEPS = 50  # the fit converges in under ten steps; this only bounds a bad case
TOLERANCE = 1e-8  # largest weight change at which Newton's method has converged


@dataclass(frozen=True)
class DomainModel:
    """The fitted boundary: one weight per embedding dimension, a bias and the C used."""

    weights: tuple[float, ...]
    bias: float
    c: float
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        """log odds that each (unit) vector is a question this base is about."""
        matrix = np.asarray(vectors, dtype=np.float64).reshape(-1, len(self.weights))
        return np.asarray(matrix @ np.array(self.weights) + self.bias, dtype=np.float64)

    def logit(self, vector: np.ndarray) -> float:
        return float(self.logits(vector)[0])

    def as_json(self) -> dict[str, Any]:
        return {
            "weights": [round(w, 6) for w in self.weights],
            "bias": self.bias,
            "c": self.c,
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> DomainModel:
        return cls(
            weights=tuple(float(w) for w in raw["weights"]),
            bias=float(raw["bias"]),
            c=float(raw["c"]),
            provenance=dict(raw.get("provenance", {})),
        )


def _newton(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, c: float, start: np.ndarray | None
) -> np.ndarray:
    """Weighted, L2-penalised logistic regression (bias last, not penalised)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.full(xb.shape[1], 1.0 / c)
    penalty[-1] = 0.0
    beta = np.zeros(xb.shape[1]) if start is None else start.copy()
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(xb @ beta)))
        gradient = xb.T @ (weight * (p - y)) + penalty * beta
        hessian = (xb * (weight * p * (1.0 - p))[:, None]).T @ xb + np.diag(penalty)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(beta)), gradient)
        beta -= step
        if float(np.abs(step).max()) < TOLERANCE:
            break
    return beta


def _data(
    articles: np.ndarray, questions: np.ndarray, on_topic: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.vstack([articles, questions]).astype(np.float64)
    y = np.concatenate([np.ones(len(articles)), on_topic.astype(np.float64)])
    positives, negatives = float(y.sum()), float(len(y) - y.sum())
    weight = np.where(y == 1, len(y) / (2 * max(positives, 1)), len(y) / (2 * max(negatives, 1)))
    return x, y, weight


def _log_loss(beta: np.ndarray, questions: np.ndarray, on_topic: np.ndarray) -> float:
    z = questions @ beta[:-1] + beta[-1]
    y = on_topic.astype(np.float64)
    return float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))


def choose_c(articles: np.ndarray, questions: np.ndarray, on_topic: np.ndarray) -> float:
    """The C of `C_GRID` with the least cross-validated log loss on the questions."""
    order = list(range(len(questions)))
    random.Random(SEED).shuffle(order)
    folds = [order[i::FOLDS] for i in range(FOLDS)]
    losses = dict.fromkeys(C_GRID, 0.0)
    for fold in folds:
        held = np.zeros(len(questions), dtype=bool)
        held[fold] = True
        x, y, weight = _data(articles, questions[~held], on_topic[~held])
        beta = None
        for c in sorted(C_GRID):  # warm start: each fit starts at the softer one's weights
            beta = _newton(x, y, weight, c, beta)
            losses[c] += _log_loss(beta, questions[held], on_topic[held])
    return min(C_GRID, key=lambda c: (losses[c], c))


def fit_domain(
    articles: np.ndarray,
    questions: np.ndarray,
    on_topic: Sequence[bool] | np.ndarray,
    c: float | None = None,
) -> DomainModel:
    """Fit on the base's text vectors and labelled question vectors (`on_topic` per
    question); C by inner cross-validation unless given."""
    labels = np.asarray(on_topic, dtype=bool)
    vectors = np.asarray(questions, dtype=np.float64).reshape(len(labels), -1)
    chosen = c if c is not None else choose_c(articles, vectors, labels)
    x, y, weight = _data(articles, vectors, labels)
    beta = _newton(x, y, weight, chosen, None)
    return DomainModel(tuple(float(b) for b in beta[:-1]), float(beta[-1]), chosen)


@dataclass(frozen=True)
class DomainData:
    """What the classifier is fitted on, by question index: the base's text vectors
    (positives) and the labelled questions' vectors. Called with (training questions,
    target questions) it gives the targets' logits from a classifier fitted without them
    (`calibrate.Stacked`)."""

    articles: np.ndarray
    vectors: np.ndarray  # per question, its "query: " vector
    on_topic: np.ndarray
    used: np.ndarray  # False for small talk: refused before any model, never training data

    def fit(self, train: Sequence[int]) -> DomainModel:
        rows = [i for i in train if self.used[i]]
        return fit_domain(self.articles, self.vectors[rows], self.on_topic[rows])

    def __call__(self, train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        return self.fit(train).logits(self.vectors[list(target)])

    def shipped(self, train: Sequence[int]) -> DomainModel:
        """The classifier fitted on `train`, saying what on and how C was chosen."""
        fitted = self.fit(train)
        rows = [i for i in train if self.used[i]]
        on = int(self.on_topic[rows].sum())
        provenance = {
            "positives": {"article_texts": len(self.articles), "on_topic_questions": on},
            "negatives": {"off_topic_questions": len(rows) - on},
            "c_grid": list(C_GRID),
            "c_chosen_by": f"{FOLDS}-fold cross-validated log loss, seed {SEED}",
            "how": "knowledge/retrieval/domain.py, stacked in retrieval/calibrate.py",
        }
        return DomainModel(fitted.weights, fitted.bias, fitted.c, provenance)
