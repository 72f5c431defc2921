"""Round 11: does how much a signal counts depend on the question's length? Interaction
features `f × length_z` in the first model, by repeated nested, stacked cross-validation on
the calibration questions (docs/performance.md, "Round 11"; the frozen split and the
hold-out are never read).

The conditional logit is linear in its features, `length` (log words) among them; but
`length` is one value per question, so it cannot change which candidate wins. For a
three-word keyword question lexical coverage and the nearest phrasing's cosine are sharp;
for a forty-word situational message most words are context, cosines are flatter and
coverage diluted. A product `f × length_z` (`length_z`: `length` standardised over the
questions) varies per candidate, so the weight of `f` becomes `w_f + w_fl · length_z`.
Products are standardised and penalised like every other column (L2 as shipped).

Both arms keep `domain` stacked and the offer model as shipped (`calibrate.cross_validate`
with `labelled=`, as `bench/offers.py --shipped`). `--weights` prints the standardised
weights of a variant fitted on every question (to pick the largest products).

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/interactions.py --shared DIR
[--seeds 3] [--only base int6 ...] [--weights int6]`.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.domain import gathered_domain, print_runs, print_seeds, seeded_runs
from bench.neighbours import BASE, CALIBRATION, _gather
from knowledge.retrieval import calibrate
from knowledge.retrieval.calibrate import SEED, Question
from knowledge.retrieval.domain import DOMAIN_FEATURE, DomainData
from knowledge.retrieval.folds import out_of_fold_values
from knowledge.retrieval.scoring import L2, fit_conditional_logit

SIX = ("xsem", "xsem_gap", "xsem_top3", "coverage", "head_coverage", "lex_rel")
VARIANTS: dict[str, tuple[str, ...]] = {  # the features multiplied by length_z
    "base": (),
    "int6": SIX,
    "int_sem": ("xsem", "xsem_gap", "xsem_top3"),
    "int_lex": ("coverage", "head_coverage", "lex_rel"),
    # the three largest products of int6 fitted on every question (`--weights int6`)
    "int3": ("coverage", "xsem_top3", "xsem"),
}


def length_z(questions: Sequence[Question]) -> tuple[float, float]:
    """Mean and sd of `length` over the questions (one value per question)."""
    at = BASE.index("length")
    values = np.array([q.rows[0, at] for q in questions if not q.skipped and len(q.rows)])
    return float(values.mean()), float(values.std()) or 1.0


def with_interactions(
    questions: Sequence[Question], multiplied: Sequence[str], centre: tuple[float, float]
) -> list[Question]:
    """The questions with one more column per name: the feature × standardised length."""
    at = {n: i for i, n in enumerate(BASE)}
    mean, sd = centre
    out = []
    for q in questions:
        if q.skipped or not len(q.rows):
            rows = np.zeros((0, len(BASE) + len(multiplied)))
        else:
            z = (q.rows[:, at["length"]] - mean) / sd
            extra = [q.rows[:, at[n]] * z for n in multiplied]
            rows = np.column_stack([q.rows, *extra]) if extra else q.rows
        out.append(Question(q.case, rows, q.labels, q.skipped, q.ids))
    return out


def names_of(multiplied: Sequence[str]) -> tuple[str, ...]:
    return (*BASE, *(f"{n}_x_len" for n in multiplied), DOMAIN_FEATURE)


def print_weights(
    questions: Sequence[Question], domain: DomainData, multiplied: Sequence[str]
) -> None:
    """Standardised weights of the first model fitted on every question (`domain` out of
    fold, as calibration stacks it)."""
    rows = with_interactions(questions, multiplied, length_z(questions))
    everyone = list(range(len(rows)))
    values = out_of_fold_values(domain, everyone, calibrate.FOLDS, SEED + 2)
    rows = calibrate.with_column(rows, [values[i] for i in everyone], len(rows[0].rows[0]))
    used = [(q.rows, q.labels) for q in rows if not q.skipped and len(q.rows)]
    model = fit_conditional_logit(used, names_of(multiplied), L2)
    for name, coef in sorted(
        zip(model.features, model.coef, strict=True), key=lambda p: -abs(p[1])
    ):
        print(f"  {name:22s} {coef:+.3f}")


def combine(folder: Path, groups: Sequence[str], only: Sequence[str] | None) -> None:
    """The runs kept in `folder` (one file per variant and seed), one block per variant."""
    by_name: dict[str, list[dict]] = {}
    for path in sorted(folder.glob("*.pickle")):
        name = path.stem.rsplit("-", 1)[0]
        if not only or name in only:
            by_name.setdefault(name, []).append(pickle.loads(path.read_bytes()))
    for name, runs in by_name.items():
        print_runs(f"{name} ({len(runs)})", runs, groups, 0.0)
        print_seeds(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    parser.add_argument("--cache", default="/tmp/interactions-bench.pickle")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--extra", nargs="*", default=[], help="one more variant: its products")
    parser.add_argument("--weights", help="print the weights of this variant and stop")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds SEED + 10 * (this + i)")
    parser.add_argument("--runs", type=Path, help="keep each (variant, seed) run here")
    parser.add_argument("--combine", action="store_true", help="print the kept runs and stop")
    args = parser.parse_args()
    args.file = sorted(CALIBRATION.glob("*.jsonl"))
    questions, groups, extra = _gather(args)
    domain = gathered_domain(questions, extra)
    variants = dict(VARIANTS)
    if args.extra:
        variants["extra"] = tuple(args.extra)
    if args.weights:
        print_weights(questions, domain, variants[args.weights])
        return
    if args.combine:
        combine(args.runs, groups, args.only)
        return
    centre = length_z(questions)
    print(f"length: mean {centre[0]:.3f}, sd {centre[1]:.3f}")
    print("set: per language right / wrong / right in answer+offer / off-topic refused")
    for name, multiplied in variants.items():
        if args.only and name not in args.only:
            continue
        rows = with_interactions(questions, multiplied, centre)
        started = time.monotonic()
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        names = names_of(multiplied)
        runs = seeded_runs(rows, names, groups, domain, seeds, labelled=domain.labelled)
        if args.runs:
            for s, run in enumerate(runs, start=args.first_seed):
                (args.runs / f"{name}-{s}.pickle").write_bytes(pickle.dumps(run))
        print_runs(name, runs, groups, time.monotonic() - started)
        print_seeds(runs)


if __name__ == "__main__":
    main()
