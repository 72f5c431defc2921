"""Per-kind thresholds within the overall error budget (Round 16, `bench/kinds.py`).

Given the out-of-fold summaries `decision.choose_thresholds` is given and each question's
kind, one (answer_at, clarify_at) per kind: the most right answers, then the most right
articles in answer or offer, keeping the *overall* wrong answers and off-topic refusals
within the budget (the same one standard error margins); ties go to the pairs nearest the
shared one. Exact, over counts: per kind its Pareto front of (wrong answers, off-topic
questions not refused, value, distance from the shared pair), then the best combination.
A kind with fewer than `MIN_ON_TOPIC` on-topic questions keeps the shared answer_at (and
clarify_at); when the shared pair is outside the budget every kind keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.retrieval import decision
from knowledge.retrieval.decision import GRID, MAX_WRONG, MIN_OFF_TOPIC_REFUSED, Summary
from knowledge.retrieval.scoring import Thresholds

KINDS = ("short", "sentence", "situational")
MIN_ON_TOPIC = 50  # on-topic training questions a kind needs for thresholds of its own


@dataclass(frozen=True)
class Counts:
    """Per (answer_at, clarify_at) cell of the grid: counts over some questions."""

    right: np.ndarray
    helpful: np.ndarray
    wrong: np.ndarray
    loose: np.ndarray  # off-topic questions answered or offered (not refused)
    on: int


def counts(summaries: Sequence[Summary]) -> Counts:
    """`choose_thresholds`' tables, as counts, for these questions."""
    best = np.array([s.best for s in summaries])
    offered = np.array([s.offered for s in summaries])
    off = np.array([s.off_topic for s in summaries], dtype=bool)
    on = ~off
    best_right = np.array([s.best_right for s in summaries], dtype=bool)
    offered_right = np.array([s.offered_right for s in summaries], dtype=bool)
    shape = (len(GRID), len(GRID))
    right, helpful, wrong, loose = (np.zeros(shape, dtype=np.int64) for _ in range(4))
    clarifiable = (offered[None, :] >= GRID[:, None]) & (offered[None, :] > 0)
    for i, answer_at in enumerate(GRID):
        answered = (best >= answer_at) & (best > 0)
        clarified = ~answered[None, :] & clarifiable
        right[i] = np.sum(answered & on & best_right)
        helpful[i] = right[i] + np.sum(clarified & (on & offered_right)[None, :], axis=1)
        wrong[i] = np.sum(answered & on & ~best_right)
        loose[i] = np.sum((answered[None, :] | clarified) & off[None, :], axis=1)
    return Counts(right, helpful, wrong, loose, int(on.sum()))


Front = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _front(
    table: Counts, cells: np.ndarray, shared: tuple[int, int], caps: tuple[int, int]
) -> Front:
    """The kind's options (rows of (i, j)) that no other beats on every count and on the
    distance from the shared pair, within the caps."""
    i, j = cells[:, 0], cells[:, 1]
    w, f = table.wrong[i, j], table.loose[i, j]
    v = table.right[i, j] * 100_000 + table.helpful[i, j]
    d = np.abs(i - shared[0]) + np.abs(j - shared[1])
    keep = (w <= caps[0]) & (f <= caps[1])
    w, f, v, d, cells = w[keep], f[keep], v[keep], d[keep], cells[keep]
    order = np.lexsort((d, -v, f, w))  # per (w, f) cell the best first
    w, f, v, d, cells = w[order], f[order], v[order], d[order], cells[order]
    first = np.ones(len(w), dtype=bool)
    first[1:] = (w[1:] != w[:-1]) | (f[1:] != f[:-1])
    w, f, v, d, cells = w[first], f[first], v[first], d[first], cells[first]
    no_worse = (
        (w[None, :] <= w[:, None])
        & (f[None, :] <= f[:, None])
        & (v[None, :] >= v[:, None])
        & (d[None, :] <= d[:, None])
    )
    better = (w[None, :] < w[:, None]) | (f[None, :] < f[:, None]) | (v[None, :] > v[:, None])
    dominated = (no_worse & (better | (d[None, :] < d[:, None]))).any(axis=1)
    return w[~dominated], f[~dominated], v[~dominated], d[~dominated], cells[~dominated]


def _caps(n_on: int, n_off: int) -> tuple[int, int]:
    """The most wrong answers and off-topic non-refusals the budget allows (margins as
    `choose_thresholds`)."""
    max_wrong = MAX_WRONG - decision._margin(MAX_WRONG, n_on)
    min_refused = MIN_OFF_TOPIC_REFUSED + decision._margin(1 - MIN_OFF_TOPIC_REFUSED, n_off)
    wrong = max(w for w in range(n_on + 1) if w / n_on <= max_wrong + 1e-9) if n_on else 0
    loose = max(f for f in range(n_off + 1) if (n_off - f) / n_off >= min_refused - 1e-9)
    return wrong, loose


def choose_by_kind(
    summaries: Sequence[Summary], kinds: Sequence[int], shared: Thresholds, per_kind_clarify: bool
) -> tuple[Thresholds, ...]:
    """One pair per kind: the most helpful combination within the overall budget."""
    at = (
        int(np.argmin(np.abs(GRID - shared.answer_at))),
        int(np.argmin(np.abs(GRID - shared.clarify_at))),
    )
    fallback = (shared,) * len(KINDS)
    n_on = sum(not s.off_topic for s in summaries)
    n_off = max(sum(s.off_topic for s in summaries), 1)
    caps = _caps(max(n_on, 1), n_off)
    tables = [
        counts([s for s, k in zip(summaries, kinds, strict=True) if k == kind])
        for kind in range(len(KINDS))
    ]
    total = (
        sum(t.wrong[at] for t in tables),
        sum(t.loose[at] for t in tables),
    )
    if total[0] > caps[0] or total[1] > caps[1]:
        return fallback  # the shared pair is already outside the budget
    grid = np.array([(i, j) for i in range(len(GRID)) for j in range(len(GRID))])
    plans = [grid] if per_kind_clarify else [grid[grid[:, 1] == j] for j in range(len(GRID))]
    best: tuple[int, int, tuple[Thresholds, ...]] = (-1, 0, fallback)
    for cells in plans:
        fronts = []
        for table in tables:
            own = cells if table.on >= MIN_ON_TOPIC else _pinned(cells, at, per_kind_clarify)
            fronts.append(_front(table, own, at, caps))
        found = _combine(fronts, caps)
        if found is not None and (found[0], -found[1]) > (best[0], -best[1]):
            best = found
    return best[2]


def _pinned(cells: np.ndarray, at: tuple[int, int], per_kind_clarify: bool) -> np.ndarray:
    """A small kind's only option: the shared answer_at (and the shared or common
    clarify_at)."""
    j = at[1] if per_kind_clarify else int(cells[0, 1])
    return np.array([(at[0], j)])


def _combine(
    fronts: Sequence[Front], caps: tuple[int, int]
) -> tuple[int, int, tuple[Thresholds, ...]] | None:
    """The best combination of one option per kind within the caps (value, distance)."""
    (w0, f0, v0, d0, c0), (w1, f1, v1, d1, c1), (w2, f2, v2, d2, c2) = fronts
    w = w0[:, None, None] + w1[None, :, None] + w2[None, None, :]
    f = f0[:, None, None] + f1[None, :, None] + f2[None, None, :]
    v = v0[:, None, None] + v1[None, :, None] + v2[None, None, :]
    d = d0[:, None, None] + d1[None, :, None] + d2[None, None, :]
    ok = (w <= caps[0]) & (f <= caps[1])
    if not ok.any():
        return None
    score = np.where(ok, v.astype(np.float64) * 1e4 - d, -np.inf)
    a, b, c = np.unravel_index(int(np.argmax(score)), score.shape)
    pairs = (c0[a], c1[b], c2[c])
    chosen = tuple(Thresholds(float(GRID[i]), float(GRID[j])) for i, j in pairs)
    return int(v[a, b, c]), int(d[a, b, c]), chosen
