"""Round 9: what decides "did you mean" — an offer model, by repeated nested, stacked
cross-validation on the calibration questions (docs/performance.md, "Round 9").

The shipped rule (round 6 features, `decision.py`): answer when P(best) >= answer_at, else
offer the top 2-3 when their summed probability >= clarify_at, else refuse. The summed
probability comes from the conditional logit, which is fitted to say *which* article;
whether a question is about data protection at all enters it only through one weight.

Variants here keep the answer rule and replace the offer score (`Summary.offered`) by an
*offer model*: a logistic regression, one row per question, fitted on "the right article
is among the options shown" (1) against "off-topic" (0), on question-level features read
from the first model's out-of-fold probabilities and the question's features (below). The
pair (answer_at, offer_at) is then chosen by the same budget (`decision.choose_thresholds`)
on cross-fitted offer scores. Everything is nested: per outer fold the first model, its
inner out-of-fold probabilities, the offer model and both thresholds see the training
folds only; `domain` is stacked as in `calibrate.cross_validate`.

Only the calibration questions are read (as `kb calibrate` reads them, via
`bench/neighbours.py`'s cache); the frozen split and the hold-out never.

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/offers.py [--seeds 5]`.
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

from bench.domain import print_runs
from bench.neighbours import BASE, CALIBRATION, _gather
from knowledge.retrieval import calibrate
from knowledge.retrieval.calibrate import SEED, Question, _rates_with_std, with_column
from knowledge.retrieval.scoring import ConfidenceModel, fit_conditional_logit
from knowledge.retrieval.decision import (
    MAX_OPTIONS,
    MAX_WRONG,
    MIN_OFF_TOPIC_REFUSED,
    _margin,
    Summary,
    choose_thresholds,
    outcome,
    shown,
    summarise,
)
from knowledge.retrieval.domain import DOMAIN_FEATURE, DomainData
from knowledge.retrieval.features import HYBRID_FEATURES
from knowledge.retrieval.scoring import Thresholds
from knowledge.retrieval.folds import folds, out_of_fold_values

NAMES = HYBRID_FEATURES
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
        out.append(
            {
                "test": list(fold),
                "test_p": [model.probabilities(q.rows) for q in test],
                "test_rows": [q.rows for q in test],
                "train": rest,
                "train_p": oof,
                "train_rows": [q.rows for q in train],
            }
        )
    return out


# ---- question-level offer features -------------------------------------------------------
def offer_features(p: np.ndarray, rows: np.ndarray, nearest_text: float) -> dict[str, float]:
    if len(p) == 0:
        return {}
    order = np.argsort(-p, kind="stable")
    k = shown([float(p[i]) for i in order[:MAX_OPTIONS]])
    top = order[:MAX_OPTIONS]
    offered = float(p[order[:k]].sum())
    eps = 1e-6
    lex_top = rows[:, COL["lex_rr"]] >= 1 / 3
    sem_top = rows[:, COL["xsem_rr"]] >= 1 / 3
    first = rows[order[0]]
    dom = float(first[COL[DOMAIN_FEATURE]])
    return {
        "offered_logit": float(np.log((offered + eps) / (1 - offered + eps))),
        "best_logit": float(np.log((p[order[0]] + eps) / (1 - p[order[0]] + eps))),
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
    on_best = row[~off[others]].max()
    off_best = row[off[others]].max()
    return {"lab_off_share": float(off[top].mean()), "lab_margin": float(on_best - off_best)}


def newton(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L2 logistic regression on standardised x (bias not penalised): (mean, scale, beta)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    penalty = np.full(z.shape[1], 1.0 / c)
    penalty[-1] = 0.0
    beta = np.zeros(z.shape[1])
    for _ in range(100):
        q = 1.0 / (1.0 + np.exp(-(z @ beta)))
        grad = z.T @ (q - y) + penalty * beta
        hess = (z * (q * (1 - q))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(beta)), grad)
        beta -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return mean, scale, beta


def apply(fit: tuple[np.ndarray, np.ndarray, np.ndarray], x: np.ndarray) -> np.ndarray:
    mean, scale, beta = fit
    z = (x - mean) / scale
    return np.asarray(1.0 / (1.0 + np.exp(-(z @ beta[:-1] + beta[-1]))))


Target = Callable[[Summary], float | None]  # 1, 0 or None (not a training row)


def target_strict(s: Summary) -> float | None:
    if s.off_topic:
        return 0.0
    return 1.0 if s.offered_right else None


def target_all(s: Summary) -> float | None:
    if s.off_topic:
        return 0.0
    return 1.0 if s.offered_right else 0.0


def evaluate(
    questions: Sequence[Question],
    runs: list[dict],
    nearest: np.ndarray,
    names: Sequence[str] | None,
    target: Target,
    c: float,
    gate: bool = False,
    band: bool = False,
) -> list:
    """Nested CV rates of one offer variant (None: the shipped summed probability)."""
    verdicts = []
    for number, run in enumerate(runs):

        def rows_of(idx: Sequence[int], probs: Sequence[np.ndarray], rows: Sequence[np.ndarray]):
            summaries, x, used = [], [], []
            for i, p, r in zip(idx, probs, rows, strict=True):
                q = questions[i]
                s = summarise(p, q.labels, q.off_topic)
                summaries.append(s)
                if names is not None and len(p):
                    f = offer_features(p, r, float(nearest[i]))
                    if LABELLED is not None and any(n.startswith("lab_") for n in names):
                        f |= labelled_features(i, run["train"])
                    x.append([f[n] for n in names])
                    used.append(True)
                else:
                    x.append([0.0] * len(names or ()))
                    used.append(len(p) > 0)
            return summaries, np.array(x), np.array(used)

        train_s, train_x, train_used = rows_of(run["train"], run["train_p"], run["train_rows"])
        test_s, test_x, test_used = rows_of(run["test"], run["test_p"], run["test_rows"])
        if names is None:
            limits = choose_thresholds(train_s)
            final = test_s
        else:
            y = np.array(
                [target(s) if u else None for s, u in zip(train_s, train_used)], dtype=object
            )
            fit_rows = np.array([v is not None for v in y])
            if band:  # fit where the offer decides: below the shipped rule's answer_at
                below = choose_thresholds(train_s).answer_at
                fit_rows &= np.array([s.best < below for s in train_s])
            # cross-fitted offer scores for the training questions -> thresholds
            scores = np.zeros(len(train_s))
            for f in folds(train_s, K, SEED + 7 + number):
                mask = np.zeros(len(train_s), dtype=bool)
                mask[f] = True
                m = fit_rows & ~mask
                fit = newton(train_x[m], y[m].astype(np.float64), c)
                scores[mask] = apply(fit, train_x[mask])
            scores = np.where(train_used, scores, 0.0)
            fit = newton(train_x[fit_rows], y[fit_rows].astype(np.float64), c)
            test_scores = np.where(test_used, apply(fit, test_x), 0.0)
            if gate:
                limits, g = choose_gated(train_s, scores)
                final = [_gated(s, v, g) for s, v in zip(test_s, test_scores)]
            else:
                limits = choose_thresholds([_with(s, v) for s, v in zip(train_s, scores)])
                final = [_with(s, v) for s, v in zip(test_s, test_scores)]
        for i, s in zip(run["test"], final, strict=True):
            q = questions[i]
            verdicts.append((q.case.lang, number, outcome(s, limits), i))
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
        gated = [_gated(s, v, gate) for s, v in zip(summaries, scores)]
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


def rates(verdicts: list, groups: Sequence[str], questions) -> dict:
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
FULL = (
    "offered_logit",
    "best_logit",
    "nearest_text",
    "nearest_negative",
    "top3_xsem",
    "top3_xsem_top3",
    "top3_coverage",
    "top3_head_coverage",
    "unknown",
    "length",
    "agree",
    "top3_knn",
    "xsem_z",
    "lex_rel2",
)
VARIANTS: dict[str, tuple] = {
    "shipped": (None, target_strict, 1.0),
    "offer_min": (("offered_logit", "domain"), target_strict, 1.0),
    "offer_dom2": (
        ("offered_logit", "best_logit", "nearest_text", "nearest_negative"),
        target_strict,
        1.0,
    ),
    "offer_full": (
        (
            "offered_logit",
            "best_logit",
            "nearest_text",
            "nearest_negative",
            "top3_xsem",
            "top3_xsem_top3",
            "top3_coverage",
            "top3_head_coverage",
            "unknown",
            "length",
            "agree",
            "top3_knn",
            "xsem_z",
            "lex_rel2",
        ),
        target_strict,
        1.0,
    ),
    "offer_min_all": (MIN, target_all, 1.0),
    "offer_mid": ((*MIN, "best_logit", "nearest_text", "length"), target_strict, 1.0),
    "offer_mid_c01": ((*MIN, "best_logit", "nearest_text", "length"), target_strict, 0.1),
    "offer_full_c01": (FULL, target_strict, 0.1),
    "band_min": (MIN, target_strict, 1.0, False, True),
    "band_mid": ((*MIN, "best_logit", "nearest_text", "length"), target_strict, 1.0, False, True),
    "band_full": (FULL, target_strict, 1.0, False, True),
    "band_full_c01": (FULL, target_strict, 0.1, False, True),
    "lab_min": ((*MIN, "lab_off_share", "lab_margin"), target_strict, 1.0),
    "lab_mid_c01": (
        (*MIN, "best_logit", "nearest_text", "length", "lab_off_share", "lab_margin"),
        target_strict,
        0.1,
    ),
    "lab_margin": ((*MIN, "lab_margin"), target_strict, 1.0),
    "lab_share": ((*MIN, "lab_off_share"), target_strict, 1.0),
    "lab_gate": ((*FULL, "lab_off_share", "lab_margin"), target_strict, 1.0, True),
    "gate_mid": ((*MIN, "best_logit", "nearest_text", "length"), target_strict, 1.0, True),
    "gate_min": (MIN, target_strict, 1.0, True),
    "gate_full": (FULL, target_strict, 1.0, True),
    "gate_dom": (("domain", "nearest_text", "length"), target_strict, 1.0, True),
}


def weighted(weight: float) -> Callable[[Sequence[Summary]], Thresholds]:
    """`choose_thresholds` with `right * weight + helpful` as the objective (shipped: 1000,
    i.e. right answers first)."""
    import inspect

    import knowledge.retrieval.decision as d

    source = inspect.getsource(d.choose_thresholds).replace("right * 1000", f"right * {weight}")
    space: dict = dict(vars(d))
    exec(source, space)
    return space["choose_thresholds"]


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
    parser.add_argument("--weight", type=float, help="objective: right * weight + helpful")
    args = parser.parse_args()
    args.file = sorted(CALIBRATION.glob("*.jsonl"))
    global L2
    L2 = args.l2
    if args.weight is not None:
        global choose_thresholds
        choose_thresholds = weighted(args.weight)
    questions, groups, extra = _gather(args)
    vectors = np.asarray(extra["vectors"], np.float64)
    texts = np.asarray(extra["texts"], np.float64)
    domain = DomainData(
        texts,
        vectors,
        np.array([not q.off_topic for q in questions]),
        np.array([not q.skipped for q in questions]),
    )
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
        print("  per seed: " + "  ".join(
            "/".join(f"{run['all'][r] * 100:.1f}" for r in RATES) for run in runs
        ))
        return
    nearest = (vectors @ texts.T).max(axis=1)
    global LABELLED
    LABELLED = {
        "sims": vectors @ vectors.T,
        "off": np.array([q.off_topic for q in questions]),
        "used": np.array([not q.skipped for q in questions]),
    }
    stage = Path(args.stage_cache)
    if stage.is_file():
        seeds = pickle.loads(stage.read_bytes())
    else:
        seeds = []
    started = time.monotonic()
    while len(seeds) < args.seeds:
        seeds.append(stage_one(questions, domain, SEED + 10 * len(seeds)))
        stage.write_bytes(pickle.dumps(seeds))
    print(f"stage 1: {len(seeds)} seeds ({time.monotonic() - started:.0f} s)", flush=True)
    for name, (names, target, c, *gate) in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        t = time.monotonic()
        runs = [
            rates(evaluate(questions, s, nearest, names, target, c, *gate), groups, questions)
            for s in seeds[: args.seeds]
        ]
        print_runs(name, runs, groups, time.monotonic() - t)
        per_seed = [
            "/".join(
                f"{run['all'][r] * 100:.1f}"
                for r in (
                    "answered_right",
                    "answered_wrong",
                    "right_in_answer_or_clarify",
                    "off_topic_refused",
                )
            )
            for run in runs
        ]
        print("  per seed: " + "  ".join(per_seed), flush=True)


if __name__ == "__main__":
    main()
