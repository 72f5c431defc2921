"""The decision rule: which candidates a "did you mean" shows, which (answer_at,
clarify_at) a set of out-of-fold probabilities supports within issue 11's error budget,
and the verdict of one question under a pair (`calibrate.py` fits the model and then
chooses its thresholds by this; `answerer.py` decides by it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.retrieval.scoring import Thresholds

# "Did you mean" shows at most three articles (issue 11: "the top 2-3") and none that is
# less than a tenth as likely as the best: a button nobody could mean is noise.
MAX_OPTIONS = 3
OPTION_SHARE = 0.1

# The error budget, from issue 11's bars: of on-topic questions at most 3 % answered with a
# wrong article; of off-topic questions at least 95 % refused (so at most 5 % answered or
# met with a "did you mean"). Within the budget the thresholds give the most right answers,
# then the most right articles among answers and "did you mean" offers. A rate measured on
# n questions is uncertain by one standard error, sqrt(p(1-p)/n) (about 1 point here), so
# the thresholds are chosen to meet each bar with that margin: on new questions they then
# stay within the bar about five times in six, not one time in two.
MAX_WRONG = 0.03
MIN_OFF_TOPIC_REFUSED = 0.95


def _margin(rate: float, n: int) -> float:
    return math.sqrt(rate * (1 - rate) / n) if n else 0.0


def shown(probabilities: Sequence[float]) -> int:
    """How many of these candidates (best first) a "did you mean" offers."""
    if not len(probabilities) or probabilities[0] <= 0:
        return 0
    floor = OPTION_SHARE * probabilities[0]
    return sum(1 for p in probabilities[:MAX_OPTIONS] if p >= floor)


GRID = np.round(np.arange(0.02, 0.99, 0.01), 2)


@dataclass(frozen=True)
class Summary:
    """What the decision needs of one question's probabilities."""

    best: float  # P(best candidate)
    offered: float  # P(one of the "did you mean" options), or the offer model's score
    best_right: bool
    offered_right: bool
    off_topic: bool


def offered(probabilities: Sequence[float]) -> float:
    """The summed probability of the options a "did you mean" shows (best first)."""
    return float(sum(probabilities[: shown(probabilities[:MAX_OPTIONS])]))


def summarise(
    probabilities: np.ndarray,
    labels: np.ndarray,
    off_topic: bool,
    strength: float | None = None,
) -> Summary:
    """`strength`: what `clarify_at` is compared with when not the options' summed
    probability (the offer model's score, `offer.py`)."""
    if len(probabilities) == 0:
        return Summary(0.0, 0.0, False, False, off_topic)
    order = np.argsort(-probabilities, kind="stable")
    best = float(probabilities[order[0]])
    offered = order[: shown([float(probabilities[i]) for i in order[:MAX_OPTIONS]])]
    return Summary(
        best,
        float(sum(probabilities[i] for i in offered)) if strength is None else strength,
        bool(labels[order[0]]),
        any(bool(labels[i]) for i in offered),
        off_topic,
    )


def outcome(summary: Summary, limits: Thresholds) -> str:
    """The verdict (as `knowledge.evaluate`) of one question under these thresholds."""
    if summary.best >= limits.answer_at and summary.best > 0:
        if summary.off_topic:
            return "off_topic_answered"
        return "answered_right" if summary.best_right else "answered_wrong"
    if summary.offered >= limits.clarify_at and summary.offered > 0:
        if summary.off_topic:
            return "off_topic_clarified"
        return "clarified_right" if summary.offered_right else "clarified_wrong"
    return "off_topic_refused" if summary.off_topic else "refused"


def choose_thresholds(summaries: Sequence[Summary]) -> Thresholds:
    """The most helpful (answer_at, clarify_at) within the error budget on these questions.

    Helpful: most on-topic questions answered right, then most with the right article among
    the answer or the offers. A cell must keep answered-wrong within `MAX_WRONG` and
    off-topic refusals at `MIN_OFF_TOPIC_REFUSED`, each with a standard error's margin;
    when no cell can, the ones with the
    fewest wrong answers and then the most off-topic refusals compete. Among equally good
    cells: the centre."""
    best = np.array([s.best for s in summaries])
    offered = np.array([s.offered for s in summaries])
    off = np.array([s.off_topic for s in summaries])
    on = ~off
    best_right = np.array([s.best_right for s in summaries])
    offered_right = np.array([s.offered_right for s in summaries])
    n_on, n_off = max(int(on.sum()), 1), max(int(off.sum()), 1)
    shape = (len(GRID), len(GRID))
    right, helpful, wrong, refused = (np.zeros(shape) for _ in range(4))
    clarifiable = (offered[None, :] >= GRID[:, None]) & (offered[None, :] > 0)  # clarify x q
    for i, answer_at in enumerate(GRID):
        answered = (best >= answer_at) & (best > 0)
        clarified = ~answered[None, :] & clarifiable
        right[i] = np.sum(answered & on & best_right) / n_on
        helpful[i] = right[i] + np.sum(clarified & (on & offered_right)[None, :], axis=1) / n_on
        wrong[i] = np.sum(answered & on & ~best_right) / n_on
        refused[i] = np.sum(~answered[None, :] & ~clarified & off[None, :], axis=1) / n_off
    max_wrong = MAX_WRONG - _margin(MAX_WRONG, n_on)
    min_refused = MIN_OFF_TOPIC_REFUSED + _margin(1 - MIN_OFF_TOPIC_REFUSED, n_off)
    feasible = (wrong <= max_wrong + 1e-9) & (refused >= min_refused - 1e-9)
    if not feasible.any():  # the budget cannot be met: fewest wrong, then most refused
        within = wrong <= max(max_wrong, float(wrong.min())) + 1e-9
        feasible = within & (refused >= refused[within].max() - 1e-9)
    score = np.where(feasible, right * 1000 + helpful, -np.inf)
    cells = np.argwhere(score >= score.max() - 1e-9)
    answers = sorted({int(i) for i, _ in cells})
    i = answers[len(answers) // 2]
    clarifies = sorted(int(j) for a, j in cells if a == i)
    return Thresholds(float(GRID[i]), float(GRID[clarifies[len(clarifies) // 2]]))
