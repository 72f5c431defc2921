"""An off-topic signal for the hybrid confidence model: which one, by repeated nested,
stacked cross-validation on the calibration questions (round 6, docs/performance.md).

Two candidates, each a question-level feature that reads labelled questions and so is
computed out of fold (`calibrate.cross_validate(stacked=...)`: the held-out fold's
questions are never among the data of their own feature, nor of the training questions'):

- `margin` (a, shipped: `retrieval/domain.py`): the question's cosine to the nearest text
  of the knowledge base minus its cosine to the nearest off-topic question of the
  training folds;
- `classifier` (b, here only): the logit of an L2-regularised logistic regression on the
  question's embedding, positives the base's texts and the training folds' on-topic
  questions, negatives their off-topic ones, both classes weighted to half, C from
  `C_GRID` by inner 5-fold cross-validated log loss, fitted by Newton's method.

Each is appended to the round-4 features and scored with five fold seeds, next to the
round-4 model (mean rates per language: answered right / wrong / right in answer or offer
/ off-topic refused; the standard deviation over the seeds for "all"; then "all" per
input: the calibration file and each shared set). Only the calibration questions are
read (`questions.jsonl` and the shared dev sets' labels, as `kb calibrate` reads them);
the frozen split never.

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/domain.py [--seeds 5]`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from knowledge import Answerer, build_encoder, load_knowledge_base
from knowledge.retrieval.calibrate import SEED, Question, collect, cross_validate
from knowledge.retrieval.calibration_inputs import read_inputs
from knowledge.retrieval.domain import DOMAIN_FEATURE, DomainData
from knowledge.retrieval.features import HYBRID_FEATURES
from knowledge.retrieval.folds import Stacked
from knowledge.retrieval.neighbour import NEIGHBOUR_FEATURE, NeighbourData

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "tests/knowledge/data/calibration"
FILES = [CALIBRATION / "questions.jsonl", CALIBRATION / "shared_labels.jsonl"]
# Every calibration input, in `kb calibrate`'s documented order (calibration/README.md; the
# fold split follows the order of the questions); the studies read these by default.
CALIBRATION_INPUTS = ("questions", "shared_labels", "blind", "blind2", "blind3", "blind4", "blind5")
ROUND4 = tuple(n for n in HYBRID_FEATURES if n not in (DOMAIN_FEATURE, NEIGHBOUR_FEATURE))
RATES = ("answered_right", "answered_wrong", "right_in_answer_or_clarify", "off_topic_refused")
C_GRID = (0.1, 1.0, 10.0, 100.0)  # decades around scikit-learn's default C = 1


def study_arguments(description: str, cache: str, seeds: int = 3) -> argparse.ArgumentParser:
    """The arguments every model-selection study shares: fold seeds (and how many to skip,
    to resume a run), the shared sets' folder and the cache of the gathered features."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seeds", type=int, default=seeds)
    parser.add_argument("--first-seed", type=int, default=0, help="skip the first N seeds")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--cache", default=cache)
    return parser


def _newton(x: np.ndarray, y: np.ndarray, weight: np.ndarray, c: float) -> np.ndarray:
    """Weighted L2 logistic regression, bias last and not penalised."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.full(xb.shape[1], 1.0 / c)
    penalty[-1] = 0.0
    beta = np.zeros(xb.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(xb @ beta)))
        gradient = xb.T @ (weight * (p - y)) + penalty * beta
        hessian = (xb * (weight * p * (1.0 - p))[:, None]).T @ xb + np.diag(penalty)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(beta)), gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return beta


def _fit(articles: np.ndarray, vectors: np.ndarray, on: np.ndarray, c: float) -> np.ndarray:
    x = np.vstack([articles, vectors])
    y = np.concatenate([np.ones(len(articles)), on.astype(np.float64)])
    pos, neg = float(y.sum()), float(len(y) - y.sum())
    weight = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * max(neg, 1.0)))
    return _newton(x, y, weight, c)


def classifier(data: DomainData) -> Stacked:
    """(b): the domain classifier's logit, C chosen by inner cross-validation."""

    def fitted(train: Sequence[int]) -> np.ndarray:
        rows = np.array([i for i in train if data.used[i]])
        order = list(range(len(rows)))
        random.Random(SEED).shuffle(order)
        losses = dict.fromkeys(C_GRID, 0.0)
        for fold in (order[i::5] for i in range(5)):
            held = np.zeros(len(rows), dtype=bool)
            held[fold] = True
            for c in C_GRID:
                beta = _fit(data.articles, data.vectors[rows[~held]], data.on_topic[rows[~held]], c)
                z = data.vectors[rows[held]] @ beta[:-1] + beta[-1]
                y = data.on_topic[rows[held]].astype(np.float64)
                losses[c] += float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))
        best = min(C_GRID, key=lambda c: (losses[c], c))
        return _fit(data.articles, data.vectors[rows], data.on_topic[rows], best)

    def values(train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        beta = fitted(train)
        return np.asarray(data.vectors[list(target)] @ beta[:-1] + beta[-1])

    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--file", type=Path, nargs="*", default=FILES)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--only", nargs="*", help="only these of: round4 margin classifier")
    args = parser.parse_args()
    answerer = Answerer(load_knowledge_base(), "dpo@example.com", encoder=build_encoder("builtin"))
    inputs = read_inputs(args.file, args.shared)
    questions = collect(answerer, inputs.cases, True, ROUND4)
    assert answerer.encoder is not None
    data = DomainData(
        answerer.text_vectors().astype(np.float64),
        answerer.encoder.encode([q.case.q for q in questions], "query").astype(np.float64),
        np.array([not q.off_topic for q in questions]),
        np.array([not q.skipped for q in questions]),
    )
    candidates: dict[str, Stacked | None] = {
        "round4": None,
        "margin": data,
        "classifier": classifier(data),
    }
    print("set: per language right / wrong / right in answer+offer / off-topic refused")
    for name, stacked in candidates.items():
        if args.only and name not in args.only:
            continue
        started = time.monotonic()
        names = ROUND4 if stacked is None else (*ROUND4, DOMAIN_FEATURE)
        runs = [
            cross_validate(
                questions, names, seed=SEED + 10 * s, groups=inputs.groups, stacked=stacked
            )
            for s in range(args.seeds)
        ]
        print_runs(name, runs, inputs.groups, time.monotonic() - started)


def gathered_domain(questions: Sequence[Question], extra: Mapping[str, object]) -> DomainData:
    """`domain`'s data for questions gathered by `bench/neighbours._gather` (its texts' and
    questions' vectors are in `extra`)."""
    return DomainData(
        np.asarray(extra["texts"], np.float64),
        np.asarray(extra["vectors"], np.float64),
        np.array([not q.off_topic for q in questions]),
        np.array([not q.skipped for q in questions]),
    )


def labelled_articles(questions: Sequence[Question]) -> list[tuple[str, ...]]:
    """Per question its right articles; empty for off-topic questions and small talk."""
    return [tuple(q.case.articles) if not (q.off_topic or q.skipped) else () for q in questions]


def gathered_neighbour(questions: Sequence[Question], extra: Mapping[str, object]) -> NeighbourData:
    """`neighbour`'s data for questions gathered by `bench/neighbours._gather`."""
    return NeighbourData(
        np.asarray(extra["vectors"], np.float64),
        labelled_articles(questions),
        [q.ids for q in questions],
        np.asarray(extra["asked"]),
        list(extra["text_ids"]),  # type: ignore[call-overload]
    )


def seeded_runs(
    rows: Sequence[Question],
    names: Sequence[str],
    groups: Sequence[str],
    stacked: Stacked | Mapping[str, Stacked] | None,
    seeds: range,
    *,
    labelled: Stacked | None = None,
    trace: list | None = None,
) -> list[dict]:
    """Nested cross-validation once per fold seed (`SEED + 10 * s` for s in `seeds`)."""
    return [
        cross_validate(
            rows,
            names,
            seed=SEED + 10 * s,
            groups=groups,
            stacked=stacked,
            labelled=labelled,
            trace=trace,
        )
        for s in seeds
    ]


def print_seeds(runs: Sequence[dict]) -> None:
    """One line: each seed's four rates over all questions, for paired comparisons."""
    per_seed = ["/".join(f"{run['all'][r] * 100:.1f}" for r in RATES) for run in runs]
    print("  per seed: " + "  ".join(per_seed), flush=True)


def print_runs(name: str, runs: Sequence[dict], groups: Sequence[str], seconds: float) -> None:
    """One line of rates (mean over the seeds, per language; sd for "all"), then one per
    input file or shared set."""
    cells, spread = [], ""
    for lang in ("all", "sv", "en"):
        table = np.array([[run[lang][r] * 100 for r in RATES] for run in runs])
        cells.append(f"{lang} " + " / ".join(f"{v:.1f}" for v in table.mean(axis=0)))
        if lang == "all":
            spread = " / ".join(f"{v:.1f}" for v in table.std(axis=0))
    print(f"{name:16s} " + " | ".join(cells) + f" (sd {spread}; {seconds:.0f} s)", flush=True)
    for group in dict.fromkeys(groups):
        table = np.array([[run["by_input"][group]["all"][r] * 100 for r in RATES] for run in runs])
        print(f"  {group:10s} " + " / ".join(f"{v:.1f}" for v in table.mean(axis=0)))


if __name__ == "__main__":
    main()
