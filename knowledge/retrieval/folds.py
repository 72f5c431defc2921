"""k-fold splits of labelled questions, and out-of-fold values of a stacked feature.

A *stacked* feature is one fitted on labelled questions itself (the `domain` feature's
negatives are the off-topic calibration questions): a question's value must come from a
model that never saw the question, or the confidence model would learn to trust a value
it will never see at inference (an off-topic question is at cosine 1 from itself).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import numpy as np

# (training questions, target questions) -> per target question its value (one for all
# its candidates) or an array of one value per candidate, from a model that saw the
# training questions only (indices into the calibration questions).
Stacked = Callable[[Sequence[int], Sequence[int]], Sequence[float | np.ndarray] | np.ndarray]


def folds(items: Sequence[object], k: int, seed: int) -> list[list[int]]:
    """k folds of positions into `items`, shuffled by `seed` (the same seed, the same split)."""
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def out_of_fold_values(
    stacked: Stacked, indices: Sequence[int], k: int, seed: int
) -> dict[int, float | np.ndarray]:
    """Each question's stacked value from a model fitted on the other folds of `indices`."""
    values: dict[int, float | np.ndarray] = {}
    for fold in folds(indices, k, seed):
        target = [indices[j] for j in fold]
        held = set(target)
        fitted = stacked([i for i in indices if i not in held], target)
        values.update(zip(target, list(fitted), strict=True))
    return values
