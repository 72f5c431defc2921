"""Round 15: a linear article classifier over the question's e5 vector as a per-candidate
feature, by repeated nested, stacked cross-validation on the calibration questions
(docs/performance.md, "Round 15"; the frozen split and the hold-out are never read).
Kept on 1,460 questions, not kept on 1,690 (blind4 in): not shipped.

The classifier reads the question's "query: " vector, the one the answerer computes anyway
(no encoder call), and has one class per article id. It is trained on every article's
titles and phrasings in both languages (the semantic index's "query: " rows, one-hot) and
on the training folds' labelled on-topic questions (a question labelled with k articles
counts 1/k for each): a closed-form ridge classifier, W = (XᵀX + λI)⁻¹XᵀY with an
unpenalised intercept, λ from `PENALTIES` by inner 5-fold cross-validation over the
training folds' labelled questions only (most held-out questions whose best class is one
of their articles; a tie goes to the larger λ); weights kept as float32, as they would be
shipped. It reads labelled questions, so it is stacked like `neighbour` and `domain`
(`calibrate.cross_validate(stacked=...)`): the held-out fold's questions are never among
its training data, nor among the training questions' values'.

Two definitions of the candidate's value, decided before any run:

- `classifier`: the candidate's ridge score (its least-squares estimate of the class
  indicator, the ridge classifier's analogue of a class probability; ridge scores are not
  logits, so a softmax over them would need one more fitted temperature);
- `classifier_gap`: that score minus the best other candidate's.

Arms: `shipped` (HYBRID_FEATURES: `domain` and `neighbour` stacked, the offer model as
shipped), and each definition added to it. `--recall` prints, for the shipped seed, how
often the classifier's out-of-fold top 3 holds a right article the candidates miss (the
arm "add its top 3 to the candidates" is not run: the candidates come from the answerer).
`--files` picks the calibration inputs (default: every one, in `kb calibrate`'s order;
the first evaluation read the first five, the second the first six).

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/classifier.py --shared DIR
[--seeds 3] [--only shipped classifier classifier_gap] [--out runs.json] [--recall]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.domain import (
    CALIBRATION_INPUTS,
    gathered_domain,
    gathered_neighbour,
    labelled_articles,
    print_runs,
    print_seeds,
    seeded_runs,
)
from bench.neighbours import BASE, CALIBRATION, _gather
from knowledge.retrieval.calibrate import SEED
from knowledge.retrieval.domain import DOMAIN_FEATURE
from knowledge.retrieval.folds import Stacked, folds, out_of_fold_values
from knowledge.retrieval.neighbour import NEIGHBOUR_FEATURE, LabelledVectors

PENALTIES = (0.01, 0.1, 1.0, 10.0, 100.0)  # a decade grid, decided before any run
INNER = 5


@dataclass(frozen=True)
class ClassifierData(LabelledVectors):
    """What the classifier is fitted on (the fields of `LabelledVectors`)."""

    @cached_property
    def classes(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.text_ids) | {a for row in self.articles for a in row}))

    @cached_property
    def _column(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self.classes)}

    @cached_property
    def _x(self) -> np.ndarray:
        """Every question's vector with a constant 1 for the intercept."""
        v = np.asarray(self.vectors, np.float64)
        return np.hstack([v, np.ones((len(v), 1))])

    @cached_property
    def _y(self) -> np.ndarray:
        """Per question its target row (1/k on each of its k articles)."""
        y = np.zeros((len(self.vectors), len(self.classes)))
        for i, labels in enumerate(self.articles):
            for a in labels:
                y[i, self._column[a]] += 1.0 / len(labels)
        return y

    @cached_property
    def _texts(self) -> tuple[np.ndarray, np.ndarray]:
        """XᵀX and XᵀY of the base's texts (part of every fit)."""
        x = np.hstack([np.asarray(self.texts, np.float64), np.ones((len(self.texts), 1))])
        y = np.zeros((len(x), len(self.classes)))
        y[np.arange(len(x)), [self._column[a] for a in self.text_ids]] = 1.0
        return x.T @ x, x.T @ y

    def labelled(self, train: Sequence[int]) -> list[int]:
        return [i for i in train if self.articles[i]]

    def _solve(self, rows: Sequence[int], penalty: float) -> np.ndarray:
        gram, cross = self._texts
        x, y = self._x[list(rows)], self._y[list(rows)]
        ridge = np.full(len(gram), penalty)
        ridge[-1] = 0.0  # the intercept is not penalised
        return np.linalg.solve(gram + x.T @ x + np.diag(ridge), cross + x.T @ y)

    def penalty(self, rows: Sequence[int]) -> float:
        """λ by inner k-fold over the labelled questions `rows` (ties: the larger λ)."""
        hits = dict.fromkeys(PENALTIES, 0)
        for fold in folds(rows, INNER, SEED + 5):
            held = [rows[j] for j in fold]
            if not held:
                continue
            kept = sorted(set(rows) - set(held))
            for penalty in PENALTIES:
                best = (self._x[held] @ self._solve(kept, penalty)).argmax(axis=1)
                hits[penalty] += int(np.count_nonzero(self._y[held, best] > 0))
        return max(PENALTIES, key=lambda p: (hits[p], p))

    def weights(self, train: Sequence[int]) -> np.ndarray:
        """The classifier fitted on the texts and the labelled questions among `train`
        (float32, the last row the intercepts)."""
        rows = self.labelled(train)
        return self._solve(rows, self.penalty(rows)).astype(np.float32)

    def scores(self, weights: np.ndarray, t: int) -> np.ndarray:
        """Question `t`'s score for every class."""
        return np.asarray(np.asarray(self.vectors[t], np.float32) @ weights[:-1] + weights[-1])

    def __call__(self, train: Sequence[int], target: Sequence[int]) -> list[np.ndarray]:
        """Per target question, its candidates' scores from a classifier fitted on `train`."""
        w = self.weights(train)
        out = []
        for t in target:
            row = self.scores(w, t)
            out.append(np.array([float(row[self._column[a]]) for a in self.ids[t]]))
        return out


def gap(data: ClassifierData) -> Stacked:
    """`classifier_gap`: each candidate's score minus the best other candidate's."""

    def values(train: Sequence[int], target: Sequence[int]) -> list[np.ndarray]:
        return [_gaps(v) for v in data(train, target)]

    return values


def _gaps(values: np.ndarray) -> np.ndarray:
    """Each value minus the largest of the others."""
    if len(values) < 2:
        return np.zeros_like(values)
    order = np.argsort(-values, kind="stable")
    best, second = values[order[0]], values[order[1]]
    return np.where(np.arange(len(values)) == order[0], best - second, values - best)


def recall(data: ClassifierData, on_topic: Sequence[int]) -> None:
    """Out of fold (shipped seed): the classifier's own top-1 and top-3, and how often its
    top 3 holds a right article none of the candidates is."""

    def scores(train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        w = data.weights(train)
        return np.array([data.scores(w, t) for t in target])

    values = out_of_fold_values(scores, list(on_topic), INNER, SEED)
    top1 = top3 = missed = rescued = 0
    for i in on_topic:
        order = [data.classes[j] for j in np.argsort(-np.asarray(values[i]))[:3]]
        right = set(data.articles[i])
        top1 += order[0] in right
        top3 += bool(right & set(order))
        if not right & set(data.ids[i]):
            missed += 1
            rescued += bool(right & set(order))
    n = len(on_topic)
    print(
        f"classifier alone, out of fold: top-1 {top1 / n:.1%}, top-3 {top3 / n:.1%} of {n}; "
        f"right article among no candidate: {missed}, in the classifier's top 3: {rescued}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    parser.add_argument(
        "--files", nargs="*", default=CALIBRATION_INPUTS, help="calibration inputs, in order"
    )
    parser.add_argument("--cache", default="/tmp/classifier-bench.pickle")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--out", type=Path, help="write the runs here (JSON)")
    parser.add_argument("--recall", action="store_true")
    args = parser.parse_args()
    args.file = [CALIBRATION / f"{name}.jsonl" for name in args.files]
    questions, groups, extra = _gather(args)
    labels = labelled_articles(questions)
    ids = [q.ids for q in questions]
    asked, text_ids = np.asarray(extra["asked"]), list(extra["text_ids"])  # type: ignore[call-overload]
    domain = gathered_domain(questions, extra)
    neighbour = gathered_neighbour(questions, extra)
    data = ClassifierData(np.asarray(extra["vectors"]), labels, ids, asked, text_ids)
    if args.recall:
        recall(data, [i for i, a in enumerate(labels) if a])
    shipped = (*BASE, DOMAIN_FEATURE, NEIGHBOUR_FEATURE)
    plain: dict[str, Stacked] = {DOMAIN_FEATURE: domain, NEIGHBOUR_FEATURE: neighbour}
    arms = {
        "shipped": (shipped, plain),
        "classifier": ((*shipped, "classifier"), plain | {"classifier": data}),
        "classifier_gap": ((*shipped, "classifier_gap"), plain | {"classifier_gap": gap(data)}),
    }
    print("set: per language right / wrong / right in answer+offer / off-topic refused")
    results = {}
    for name, (names, stacked) in arms.items():
        if args.only is not None and name not in args.only:
            continue
        started = time.monotonic()
        runs = seeded_runs(
            questions, names, groups, stacked, range(args.seeds), labelled=domain.labelled
        )
        print_runs(name, runs, groups, time.monotonic() - started)
        print_seeds(runs)
        results[name] = runs
    if args.out:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
