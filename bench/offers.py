"""Round 9: what decides "did you mean", by repeated nested, stacked cross-validation on
the calibration questions (docs/performance.md, "Round 9"; the frozen split and the
hold-out are never read).

Every variant keeps the first model (the conditional logit, round 6 features, `domain`
stacked) and its answer rule, and replaces what `clarify_at` is compared with (the
options' summed probability) by an *offer model*: a logistic regression, one row per
question, "right article among the options" (1) against "off-topic" (0), over
question-level features of the first model's out-of-fold probabilities; thresholds by the
same budget (`decision.choose_thresholds`) on cross-fitted scores. Per outer fold
everything sees the training folds only. `--shipped` runs the shipped code instead
(`calibrate.cross_validate(labelled=...)`); `--together T` keeps near-duplicates in one fold.

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/offers.py [--seeds 5] [--only ...]`.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.domain import gathered_domain, print_runs
from bench.neighbours import CALIBRATION, _gather
from knowledge.retrieval import calibrate
from knowledge.retrieval.calibrate import SEED, Question, _rates_with_std, with_column
from knowledge.retrieval.decision import (
    MAX_OPTIONS,
    MAX_WRONG,
    MIN_OFF_TOPIC_REFUSED,
    Summary,
    _margin,
    choose_thresholds,
    outcome,
    shown,
    summarise,
)
from knowledge.retrieval.domain import DOMAIN_FEATURE, DomainData
from knowledge.retrieval.features import HYBRID_FEATURES
from knowledge.retrieval.folds import folds, out_of_fold_values
from knowledge.retrieval.neighbour import NEIGHBOUR_FEATURE
from knowledge.retrieval.offer import fit_offer, offer_target
from knowledge.retrieval.scoring import ConfidenceModel, Thresholds, fit_conditional_logit

NAMES = tuple(n for n in HYBRID_FEATURES if n != NEIGHBOUR_FEATURE)  # before round 13
RATES = ("answered_right", "answered_wrong", "right_in_answer_or_clarify", "off_topic_refused")
COL = {n: i for i, n in enumerate(NAMES)}
K = 5


# ---- stage 1: the conditional logit, nested, probabilities kept --------------------------
L2 = 1.0  # --l2: the first model's ridge penalty (shipped: 1)


def _fit(questions: Sequence[Question], features: Sequence[str]) -> ConfidenceModel:
    used = [(q.rows, q.labels) for q in questions if not q.skipped and len(q.rows)]
    return fit_conditional_logit(used, features, L2)


def stage_one(questions: Sequence[Question], domain: DomainData, seed: int) -> list[dict]:
    """Per outer fold: test indices, test probabilities and rows; train indices, their
    inner out-of-fold probabilities and rows (with `domain` stacked as shipped)."""
    at = COL[DOMAIN_FEATURE]
    out = []
    for fold in folds(questions, K, seed):
        held = set(fold)
        rest = [i for i in range(len(questions)) if i not in held]
        inner = out_of_fold_values(domain, rest, K, seed + 2)
        train = with_column([questions[i] for i in rest], [inner[i] for i in rest], at)
        test = with_column([questions[i] for i in fold], list(domain(rest, fold)), at)
        model = _fit(train, NAMES)
        oof: list[np.ndarray | None] = [None] * len(train)
        for inner_fold in folds(train, K, seed + 1):
            h = set(inner_fold)
            m = _fit([q for j, q in enumerate(train) if j not in h], NAMES)
            for j in inner_fold:
                oof[j] = m.probabilities(train[j].rows)
        test_p = [model.probabilities(q.rows) for q in test]
        test_rows, train_rows = [q.rows for q in test], [q.rows for q in train]
        out.append(dict(test=list(fold), test_p=test_p, test_rows=test_rows, train=rest))
        out[-1] |= dict(train_p=oof, train_rows=train_rows)
    return out


# ---- question-level offer features -------------------------------------------------------
def _logit(p: float) -> float:
    return float(np.log((p + 1e-6) / (1 - p + 1e-6)))


def offer_features(p: np.ndarray, rows: np.ndarray, nearest_text: float) -> dict[str, float]:
    if len(p) == 0:
        return {}
    order = np.argsort(-p, kind="stable")
    k = shown([float(p[i]) for i in order[:MAX_OPTIONS]])
    top = order[:MAX_OPTIONS]
    offered = float(p[order[:k]].sum())
    lex_top = rows[:, COL["lex_rr"]] >= 1 / 3
    sem_top = rows[:, COL["xsem_rr"]] >= 1 / 3
    first = rows[order[0]]
    dom = float(first[COL[DOMAIN_FEATURE]])
    return {
        "offered_logit": _logit(offered),
        "best_logit": _logit(float(p[order[0]])),
        "domain": dom,
        "nearest_text": nearest_text,
        "nearest_negative": nearest_text - dom,
        "top3_xsem": float(rows[top, COL["xsem"]].max()),
        "top3_xsem_top3": float(rows[top, COL["xsem_top3"]].max()),
        "top3_coverage": float(rows[top, COL["coverage"]].max()),
        "top3_head_coverage": float(rows[top, COL["head_coverage"]].max()),
        "unknown": float(first[COL["unknown"]]),
        "length": float(first[COL["length"]]),
        "agree": float(np.sum(lex_top & sem_top)) / 3.0,
        "top3_knn": float(rows[top, COL["knn"]].sum()),
        "xsem_z": float(first[COL["xsem_z"]]),
        "lex_rel2": float(np.sort(rows[:, COL["lex_rel"]])[-2]) if len(p) > 1 else 0.0,
    }


LABELLED: dict | None = None  # set in main: question-question cosines, on/off, used


def labelled_features(i: int, train: Sequence[int]) -> dict[str, float]:
    """From the training folds' labelled questions other than i itself: the share of
    off-topic ones among its 10 nearest, and (nearest on-topic - nearest off-topic)."""
    assert LABELLED is not None
    sims, off, used = LABELLED["sims"], LABELLED["off"], LABELLED["used"]
    others = np.array([j for j in train if j != i and used[j]])
    row = sims[i, others]
    top = others[np.argsort(-row)[:10]]
    margin = row[~off[others]].max() - row[off[others]].max()
    return {"lab_off_share": float(off[top].mean()), "lab_margin": float(margin)}


Target = Callable[[Summary], float | None]  # 1, 0 or None (not a training row)


def target_strict(s: Summary) -> float | None:
    return offer_target(s.off_topic, s.offered_right)  # as shipped


def _rows(
    questions: Sequence[Question],
    idx: Sequence[int],
    probs: Sequence[np.ndarray],
    rows: Sequence[np.ndarray],
    nearest: np.ndarray,
    names: Sequence[str] | None,
    train: Sequence[int],
) -> tuple[list[Summary], np.ndarray, np.ndarray]:
    """Per question its summary, its offer features (`names`) and whether it has any."""
    summaries, x, used = [], [], []
    for i, p, r in zip(idx, probs, rows, strict=True):
        q = questions[i]
        summaries.append(summarise(p, q.labels, q.off_topic))
        used.append(len(p) > 0)
        if names is None or not len(p):
            x.append([0.0] * len(names or ()))
            continue
        f = offer_features(p, r, float(nearest[i]))
        if any(n.startswith("lab_") for n in names):
            f |= labelled_features(i, train)
        x.append([f[n] for n in names])
    return summaries, np.array(x), np.array(used)


def evaluate(
    questions: Sequence[Question],
    runs: list[dict],
    nearest: np.ndarray,
    variant: Variant,
) -> list[tuple[str, int, str, int]]:
    """(language, outer fold, verdict, question) of every question under one variant."""
    names, target, c, gate, band = variant
    verdicts = []
    for number, run in enumerate(runs):
        train = run["train"]
        train_s, train_x, train_used = _rows(
            questions, train, run["train_p"], run["train_rows"], nearest, names, train
        )
        test_s, test_x, test_used = _rows(
            questions, run["test"], run["test_p"], run["test_rows"], nearest, names, train
        )
        if names is None:
            limits, final = choose_thresholds(train_s), test_s
        else:
            y = [target(s) if u else None for s, u in zip(train_s, train_used, strict=True)]
            fit_rows = np.array([v is not None for v in y])
            labels = np.array([v or 0.0 for v in y])
            if band:  # fit where the offer decides: below the shipped rule's answer_at
                below = choose_thresholds(train_s).answer_at
                fit_rows &= np.array([s.best < below for s in train_s])
            scores = np.zeros(len(train_s))  # cross-fitted, for the thresholds
            for f in folds(train, K, SEED + 7 + number):
                mask = np.zeros(len(train_s), dtype=bool)
                mask[f] = True
                fit = fit_offer(train_x[fit_rows & ~mask], labels[fit_rows & ~mask], 1.0 / c)
                scores[mask] = fit.score(train_x[mask])
            scores = np.where(train_used, scores, 0.0)
            fit = fit_offer(train_x[fit_rows], labels[fit_rows], 1.0 / c)  # the shipped fit
            test_scores = np.where(test_used, fit.score(test_x), 0.0)
            if gate:
                limits, g = choose_gated(train_s, scores)
                final = [_gated(s, v, g) for s, v in zip(test_s, test_scores, strict=True)]
            else:
                pairs = zip(train_s, scores, strict=True)
                limits = choose_thresholds([_with(s, v) for s, v in pairs])
                final = [_with(s, v) for s, v in zip(test_s, test_scores, strict=True)]
        for i, s in zip(run["test"], final, strict=True):
            verdicts.append((questions[i].case.lang, number, outcome(s, limits), i))
    return verdicts


GATES = np.round(np.arange(0.0, 0.96, 0.05), 2)


def _gated(s: Summary, offered: float, gate: float) -> Summary:
    """Answer only when the offer model also says "about the base" (score >= gate)."""
    best = s.best if offered >= gate else 0.0
    return Summary(best, float(offered), s.best_right, s.offered_right, s.off_topic)


def choose_gated(summaries: Sequence[Summary], scores: np.ndarray) -> tuple[Thresholds, float]:
    """(answer_at, offer_at) and the gate, by the same budget and order as
    `choose_thresholds`, the gate from `GATES`."""
    best_key, choice = None, None
    for gate in GATES:
        gated = [_gated(s, v, gate) for s, v in zip(summaries, scores, strict=True)]
        limits = choose_thresholds(gated)
        verdicts = [outcome(s, limits) for s in gated]
        r = calibrate._rates(verdicts)
        wrong_ok = r["answered_wrong"] <= MAX_WRONG - _margin(MAX_WRONG, r["on_topic"]) + 1e-9
        off_ok = (
            r["off_topic_refused"] >= MIN_OFF_TOPIC_REFUSED + _margin(0.05, r["off_topic"]) - 1e-9
        )
        key = (
            wrong_ok and off_ok,
            r["answered_right"],
            r["right_in_answer_or_clarify"],
            -abs(gate - 0.5),
        )
        if best_key is None or key > best_key:
            best_key, choice = key, (limits, float(gate))
    assert choice is not None
    return choice


def _with(s: Summary, offered: float) -> Summary:
    return Summary(s.best, float(offered), s.best_right, s.offered_right, s.off_topic)


def rates(verdicts: list[tuple[str, int, str, int]], groups: Sequence[str]) -> dict:
    langs = ("all", "sv", "en")
    result = {
        lang: _rates_with_std([(f, v) for lg, f, v, _ in verdicts if lang in ("all", lg)], K)
        for lang in langs
    }
    result["by_input"] = {
        g: {"all": _rates_with_std([(f, v) for lg, f, v, i in verdicts if groups[i] == g], K)}
        for g in dict.fromkeys(groups)
    }
    return result


MIN = ("offered_logit", "domain")
MID = (*MIN, "best_logit", "nearest_text", "length")
FULL = (
    *MIN[:1],
    *[
        "best_logit",
        "nearest_text",
        "nearest_negative",
        "top3_xsem",
        "top3_xsem_top3",
        "top3_coverage",
    ],
    *["top3_head_coverage", "unknown", "length", "agree", "top3_knn", "xsem_z", "lex_rel2"],
)
LAB = ("lab_off_share", "lab_margin")
# (offer features or None: the shipped summed probability; target; C; gate answers too;
# fit the offer model only below the shipped rule's answer_at)
Variant = tuple[tuple[str, ...] | None, Target, float, bool, bool]
S = target_strict
PLAIN = (1.0, False, False)  # C = 1, no gate, fitted on every question
VARIANTS: dict[str, Variant] = {
    "shipped": (None, S, 1.0, False, False),
    "offer_min": (MIN, S, 1.0, False, False),
    "offer_dom2": ((*MIN[:1], *["best_logit", "nearest_text", "nearest_negative"]), S, *PLAIN),
    "offer_full": (FULL, S, 1.0, False, False),
    "offer_min_all": (MIN, lambda s: 0.0 if s.off_topic else float(s.offered_right), *PLAIN),
    "offer_mid": (MID, S, 1.0, False, False),
    "offer_mid_c01": (MID, S, 0.1, False, False),
    "offer_full_c01": (FULL, S, 0.1, False, False),
    "band_min": (MIN, S, 1.0, False, True),
    "band_mid": (MID, S, 1.0, False, True),
    "band_full": (FULL, S, 1.0, False, True),
    "band_full_c01": (FULL, S, 0.1, False, True),
    "lab_min": ((*MIN, *LAB), S, 1.0, False, False),  # round 9, shipped (k-fold, not LOO)
    "lab_mid_c01": ((*MID, *LAB), S, 0.1, False, False),
    "lab_margin": ((*MIN, "lab_margin"), S, 1.0, False, False),
    "lab_share": ((*MIN, "lab_off_share"), S, 1.0, False, False),
    "lab_gate": ((*FULL, *LAB), S, 1.0, True, False),
    "gate_mid": (MID, S, 1.0, True, False),
    "gate_min": (MIN, S, 1.0, True, False),
    "gate_full": (FULL, S, 1.0, True, False),
    "gate_dom": (("domain", "nearest_text", "length"), S, 1.0, True, False),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cache", default="/tmp/neighbours-bench.pickle")
    parser.add_argument("--stage-cache", default="/tmp/offers-stage1.pickle")
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--together", type=float, help="near-duplicates share every fold")
    parser.add_argument(
        "--shipped", action="store_true", help="the shipped code: calibrate.cross_validate"
    )
    args = parser.parse_args()
    args.file = sorted(CALIBRATION.glob("*.jsonl"))
    global L2
    L2 = args.l2
    questions, groups, extra = _gather(args)
    vectors = np.asarray(extra["vectors"], np.float64)
    domain = gathered_domain(questions, extra)
    if args.together:
        import knowledge.retrieval.folds as folds_module
        from bench.neighbours import together

        global folds
        folds = together(questions, vectors, args.together)
        folds_module.folds = folds
    if args.shipped:  # round 9 as shipped: the offer model inside calibrate.cross_validate
        t = time.monotonic()
        runs = [
            calibrate.cross_validate(
                questions,
                NAMES,
                seed=SEED + 10 * s,
                groups=groups,
                stacked=domain,
                labelled=domain.labelled,
            )
            for s in range(args.seeds)
        ]
        print_runs("round9", runs, groups, time.monotonic() - t)
        print(
            "  per seed: "
            + "  ".join("/".join(f"{run['all'][r] * 100:.1f}" for r in RATES) for run in runs)
        )
        return
    nearest = (vectors @ domain.articles.T).max(axis=1)
    global LABELLED
    LABELLED = {
        "sims": vectors @ vectors.T,
        "off": np.array([q.off_topic for q in questions]),
        "used": np.array([not q.skipped for q in questions]),
    }
    stage = Path(args.stage_cache)
    seeds = pickle.loads(stage.read_bytes()) if stage.is_file() else []
    started = time.monotonic()
    while len(seeds) < args.seeds:
        seeds.append(stage_one(questions, domain, SEED + 10 * len(seeds)))
        stage.write_bytes(pickle.dumps(seeds))
    print(f"stage 1: {len(seeds)} seeds ({time.monotonic() - started:.0f} s)", flush=True)
    for name, variant in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        t = time.monotonic()
        runs = [
            rates(evaluate(questions, s, nearest, variant), groups) for s in seeds[: args.seeds]
        ]
        print_runs(name, runs, groups, time.monotonic() - t)
        per_seed = ["/".join(f"{run['all'][r] * 100:.1f}" for r in RATES) for run in runs]
        print("  per seed: " + "  ".join(per_seed), flush=True)


if __name__ == "__main__":
    main()
