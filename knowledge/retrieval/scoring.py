"""The learned confidence: logistic regression over a handful of features (numpy only).

`ConfidenceModel.probability(features)` is the calibrated probability that a candidate
article is the one the question asks for. Its parameters are fitted by
`gdpr-bot kb calibrate FILE` (see `retrieval/calibrate.py`) and committed in
`retrieval/confidence.json` with their provenance: the calibration file and its hash,
the encoder, the date, the cross-validated figures, and the decision costs the two
thresholds were chosen by. Nothing in here is set by hand except what is named below.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

CONFIDENCE_FILE = Path(__file__).resolve().parent / "confidence.json"
# Ridge penalty on the standardised weights: the usual default of scikit-learn's
# LogisticRegression (C = 1); with a few hundred questions and < 10 features it only
# keeps collinear features (the two margins) from taking extreme opposite weights.
L2 = 1.0
NEWTON_STEPS = 50  # Newton's method converges in < 15 steps here; 50 is a safe ceiling


@dataclass(frozen=True)
class Thresholds:
    """When the best candidate's probability is enough to answer, and when the top
    candidates are worth offering as "did you mean …?" (below `clarify_at`: refuse)."""

    answer_at: float = 0.5
    clarify_at: float = 0.2


@dataclass(frozen=True)
class ConfidenceModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    thresholds: Thresholds = field(default_factory=Thresholds)
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    def probability(self, row: Sequence[float]) -> float:
        z = self.intercept + sum(
            c * (x - m) / s
            for c, x, m, s in zip(self.coef, row, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        if len(matrix) == 0:
            return np.zeros(0)
        z = (matrix - np.array(self.mean)) / np.array(self.scale) @ np.array(self.coef)
        return 1.0 / (1.0 + np.exp(-np.clip(z + self.intercept, -50, 50)))

    def as_json(self) -> dict[str, Any]:
        return {
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

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ConfidenceModel:
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
        )


def fit_logistic(
    x: np.ndarray, y: np.ndarray, features: Sequence[str], l2: float = L2
) -> ConfidenceModel:
    """Maximum-likelihood logistic regression with a ridge penalty (Newton's method)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = (x - mean) / scale
    design = np.hstack([np.ones((len(z), 1)), z])
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0  # the intercept is not shrunk
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -50, 50)))
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
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
    raw = json.loads(path.read_text(encoding="utf-8"))
    return ConfidenceModels(
        lexical=ConfidenceModel.from_json(raw["lexical"]),
        hybrid={k: ConfidenceModel.from_json(v) for k, v in raw.get("hybrid", {}).items()},
    )


def save_models(models: ConfidenceModels, path: Path = CONFIDENCE_FILE) -> None:
    path.write_text(json.dumps(models.as_json(), indent=2, ensure_ascii=False) + "\n", "utf-8")
