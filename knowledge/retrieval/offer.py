"""Whether a question that is not answered gets a "did you mean" (round 9): the offer model.

The conditional logit (`scoring.py`) is fitted to say *which* article a question asks
for; below `answer_at` the summed probability of its top 2-3 was the offer's strength
until round 8, and off-topic workplace questions that use the base's words got offers as
strong as on-topic ones, so the off-topic budget kept offers rare. The offer model asks the
other question: is this one of *ours*? A logistic regression, one row per question, fitted
on "the right article is among the options shown" (1) against "off-topic" (0), over:

- `offered_logit`: the logit of the options' summed probability (the old strength);
- `domain`: the nearest-negative margin the first model reads too (`domain.py`);
- `lab_off_share`: the share of off-topic ones among the question's `NEIGHBOURS` nearest
  *labelled* calibration questions (on- and off-topic: how people really ask);
- `lab_margin`: its cosine to the nearest labelled on-topic question minus its cosine to
  the nearest off-topic one (`domain` compares with the articles' own texts instead).

Its probability replaces the summed one: offer when it is at least `clarify_at`, a
threshold chosen with `answer_at` by the same budget (`decision.choose_thresholds`) on
cross-fitted scores (`calibrate.py`). Answers are decided as before. The labelled features
read labelled questions, so calibration stacks them like `domain` (out of fold); the
shipped model keeps the on-topic questions' vectors beside the negatives (`domain.py`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

OFFER_FEATURES = ("offered_logit", "domain", "lab_off_share", "lab_margin")
# Neighbours in the labelled vote: as `semantic.KNN`.
NEIGHBOURS = 10
# Ridge penalty on the standardised weights: scikit-learn's default C = 1, as `scoring.L2`.
L2 = 1.0
_EPS = 1e-6  # keeps the logit of a summed probability of 0 or 1 finite


def labelled_values(to_positives: np.ndarray, to_negatives: np.ndarray) -> tuple[float, float]:
    """(`lab_off_share`, `lab_margin`) of one question from its cosines to the labelled
    on-topic and off-topic questions."""
    pos = np.asarray(to_positives, np.float64).ravel()
    neg = np.asarray(to_negatives, np.float64).ravel()
    both = np.concatenate([pos, neg])
    if not len(both):
        return 0.5, 0.0
    k = min(NEIGHBOURS, len(both))
    nearest = np.argpartition(-both, k - 1)[:k]
    share = float(np.count_nonzero(nearest >= len(pos))) / k
    best_pos = float(pos.max()) if len(pos) else -1.0
    best_neg = float(neg.max()) if len(neg) else -1.0
    return share, best_pos - best_neg


def offer_row(offered: float, domain: float, labelled: Sequence[float] | np.ndarray) -> np.ndarray:
    """One question's features, in `OFFER_FEATURES` order."""
    logit = math.log((offered + _EPS) / (1.0 - offered + _EPS))
    return np.array([logit, domain, *labelled], dtype=np.float64)


@dataclass(frozen=True)
class OfferModel:
    """A fitted logistic regression over `OFFER_FEATURES` (standardised)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def score(self, rows: np.ndarray) -> np.ndarray:
        """P(one of the options is right rather than the question being off-topic)."""
        z = (np.atleast_2d(rows) - np.array(self.mean)) / np.array(self.scale)
        return np.asarray(1.0 / (1.0 + np.exp(-(z @ np.array(self.coef) + self.intercept))))

    def as_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> OfferModel:
        return cls(
            features=tuple(raw["features"]),
            mean=tuple(float(x) for x in raw["mean"]),
            scale=tuple(float(x) for x in raw["scale"]),
            coef=tuple(float(x) for x in raw["coef"]),
            intercept=float(raw["intercept"]),
        )


def fit_offer(rows: np.ndarray, right: np.ndarray, l2: float = L2) -> OfferModel:
    """Maximum likelihood with a ridge penalty (intercept free), by Newton's method: the
    loss is convex and there are four weights."""
    x = np.asarray(rows, np.float64)
    y = np.asarray(right, np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    beta = np.zeros(z.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        gradient = z.T @ (p - y) + penalty * beta
        hessian = (z * (p * (1.0 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(beta)), gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return OfferModel(
        features=OFFER_FEATURES,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in beta[:-1]),
        intercept=float(beta[-1]),
    )


def offer_target(off_topic: bool, offered_right: bool) -> float | None:
    """The training label: off-topic 0, the right article among the options 1; an on-topic
    question whose options miss it is no example of either (None)."""
    if off_topic:
        return 0.0
    return 1.0 if offered_right else None


def strength(offer: OfferModel, row: np.ndarray | None) -> float | None:
    """The offer model's score of one row (None: a question without candidates)."""
    return float(offer.score(row)[0]) if row is not None else None


def _fit_rows(
    rows: Sequence[np.ndarray | None], target: Sequence[float | None], use: Sequence[int]
) -> OfferModel:
    chosen = [i for i in use if target[i] is not None and rows[i] is not None]
    x = np.array([rows[i] for i in chosen])
    return fit_offer(x, np.array([target[i] for i in chosen], np.float64))


def cross_fitted(
    rows: Sequence[np.ndarray | None],
    target: Sequence[float | None],
    splits: Sequence[Sequence[int]],
) -> tuple[OfferModel, list[float | None]]:
    """The offer model fitted on every row with a target, and each row's score from a
    model fitted on the other splits (for choosing `clarify_at` on unseen scores)."""
    scores: list[float | None] = [None] * len(rows)
    for fold in splits:
        held = set(fold)
        model = _fit_rows(rows, target, [i for i in range(len(rows)) if i not in held])
        for i in fold:
            scores[i] = strength(model, rows[i])
    return _fit_rows(rows, target, range(len(rows))), scores
