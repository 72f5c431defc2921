"""Round 16: one answer threshold per message length, by repeated nested cross-validation
on the calibration questions (docs/performance.md, "Round 16"; frozen/ and holdout/ are
never read).

`kb calibrate` chooses one (answer_at, clarify_at) for every question. Short keyword
messages, one-sentence questions and long situational messages (2-4 sentences) get
probabilities of different shapes, so one pair may answer too little of one kind to
protect another. Three kinds by word count (`tokens`: words as written), fixed before any
result from the batches' definition of the kinds, not from figures:

- short: at most `SHORT_MAX` words ("gdpr böter", "dpo contact", "chattlogg hur länge
  sparas");
- sentence: up to `SENTENCE_MAX` words (one written sentence rarely passes 25);
- situational: more (two to four sentences of ten words or more).

The budget stays overall (issue 11's bars are over all questions, with the same one
standard error margin as `decision.choose_thresholds`); within it, the per-kind thresholds
with the most right answers, then the most right articles in answer or offer, ties going
to the pairs nearest the shared one. The search is exact, over counts: per kind its Pareto
front of (wrong answers, off-topic questions not refused, value, distance from the shared
pair), then the best combination within the budget. Two arms, decided up front:

- `answer`: answer_at per kind, one clarify_at for all;
- `both`: answer_at and clarify_at per kind.

A kind with fewer than `MIN_ON_TOPIC` on-topic training questions keeps the shared pair;
when the shared chooser found no cell within the budget every kind keeps it.

Nested: per outer fold the first model, the offer model and the thresholds come from the
other folds only (`calibrate._fit_decision`, the same out-of-fold probabilities and
cross-fitted offer scores `choose_thresholds` is given, captured), and the held-out fold
is scored with its kind's pair. Shipped features (`domain` and `neighbour` stacked, the
offer model), `kb calibrate`'s files in its order, fold seeds `SEED + 10 s`; the `shared` arm is
`cross_validate` itself (checked).

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/kinds.py --shared ../shared
[--seeds 3]`.
"""

from __future__ import annotations

import pickle
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.domain import (
    CALIBRATION_INPUTS,
    RATES,
    gathered_domain,
    gathered_neighbour,
    print_runs,
    print_seeds,
    study_arguments,
)
from bench.kind_thresholds import KINDS, choose_by_kind
from bench.neighbours import CALIBRATION, _gather
from knowledge.analysis.tokens import tokens
from knowledge.retrieval import calibrate, decision
from knowledge.retrieval.calibrate import FOLDS, SEED, Question, with_column
from knowledge.retrieval.decision import (
    Summary,
    outcome,
    summarise,
)
from knowledge.retrieval.domain import DOMAIN_FEATURE
from knowledge.retrieval.features import HYBRID_FEATURES
from knowledge.retrieval.folds import Stacked, folds, out_of_fold_values
from knowledge.retrieval.neighbour import NEIGHBOUR_FEATURE
from knowledge.retrieval.offer import strength
from knowledge.retrieval.scoring import Thresholds

SHORT_MAX = 6
SENTENCE_MAX = 25


def kind_of(text: str) -> int:
    """0 short, 1 one sentence, 2 situational, by the number of words as written."""
    n = len(tokens(text))
    return 0 if n <= SHORT_MAX else 1 if n <= SENTENCE_MAX else 2


@dataclass(frozen=True)
class Fold:
    """One outer fold: what its thresholds were chosen on, and what it is scored on."""

    train: list[int]
    inner: list[Summary]  # as given to choose_thresholds, in `train` order
    shared: Thresholds
    test: list[int]
    outer: list[Summary]


def fold_records(
    questions: Sequence[Question],
    names: Sequence[str],
    stacked: dict[str, Stacked],
    labelled: Stacked,
    seed: int,
    k: int = FOLDS,
) -> list[Fold]:
    """`calibrate.cross_validate`'s outer loop, keeping the summaries instead of verdicts."""
    records = []
    for fold in folds(questions, k, seed):
        held = set(fold)
        rest = [i for i in range(len(questions)) if i not in held]
        train = [questions[i] for i in rest]
        test = [questions[i] for i in fold]
        for at, feature in calibrate._stacked_columns(stacked, names):
            inner = out_of_fold_values(feature, rest, k, seed + 2)
            train = with_column(train, [inner[i] for i in rest], at)
            test = with_column(test, list(feature(rest, fold)), at)
        captured: list[list[Summary]] = []
        calibrate.choose_thresholds = _capturing(captured)  # type: ignore[assignment]
        try:
            model, offer, limits = calibrate._fit_decision(
                train, rest, names, seed + 1, labelled, k
            )
        finally:
            calibrate.choose_thresholds = decision.choose_thresholds
        assert offer is not None
        probabilities = [model.probabilities(q.rows) for q in test]
        rows = calibrate._offer_rows(test, probabilities, list(labelled(rest, fold)), names)
        outer = [
            summarise(p, q.labels, q.off_topic, strength(offer, r))
            for q, p, r in zip(test, probabilities, rows, strict=True)
        ]
        records.append(Fold(rest, captured[-1], limits, list(fold), outer))
    return records


def _capturing(into: list[list[Summary]]) -> Callable[[Sequence[Summary]], Thresholds]:
    """`choose_thresholds` that also keeps what it was given."""

    def choose(summaries: Sequence[Summary]) -> Thresholds:
        into.append(list(summaries))
        return decision.choose_thresholds(summaries)

    return choose


Chooser = Callable[[Fold, Sequence[int]], tuple[Thresholds, ...]]


def _shared(fold: Fold, kinds: Sequence[int]) -> tuple[Thresholds, ...]:
    return (fold.shared,) * len(KINDS)


def _per_kind(per_kind_clarify: bool) -> Chooser:
    def choose(fold: Fold, kinds: Sequence[int]) -> tuple[Thresholds, ...]:
        own = [kinds[i] for i in fold.train]
        return choose_by_kind(fold.inner, own, fold.shared, per_kind_clarify)

    return choose


ARMS: dict[str, Chooser] = {
    "shared": _shared,
    "answer": _per_kind(False),
    "both": _per_kind(True),
}


def scored(
    records: Sequence[Fold],
    questions: Sequence[Question],
    groups: Sequence[str],
    kinds: Sequence[int],
    chooser: Chooser,
    chosen: list[tuple[Thresholds, ...]],
) -> dict:
    """`cross_validate`'s result for these folds under this chooser (`by_input`, `by_kind`)."""
    verdicts: list[tuple[str, str, str, int, str]] = []
    for number, fold in enumerate(records):
        pairs = chooser(fold, kinds)
        chosen.append(pairs)
        fitted = [outcome(m, pairs[kinds[i]]) for i, m in zip(fold.train, fold.inner, strict=True)]
        verdicts.extend(("fit", "", "", number, v) for v in fitted)
        for i, summary in zip(fold.test, fold.outer, strict=True):
            verdict = outcome(summary, pairs[kinds[i]])
            verdicts.append((questions[i].case.lang, groups[i], KINDS[kinds[i]], number, verdict))
    inner = calibrate._rates([v[4] for v in verdicts if v[0] == "fit"])
    verdicts = [v for v in verdicts if v[0] != "fit"]
    langs = ("all", *sorted({v[0] for v in verdicts}))

    def rates(column: int, value: str) -> dict:
        """The rates of the questions whose verdict tuple has `value` at `column`."""
        kept = [v for v in verdicts if column < 0 or v[column] == value]
        return {
            lang: calibrate._rates_with_std(
                [(v[3], v[4]) for v in kept if lang in ("all", v[0])], FOLDS
            )
            for lang in langs
        }

    result = rates(-1, "")
    result["by_input"] = {g: rates(1, g) for g in dict.fromkeys(groups)}
    result["by_kind"] = {k: rates(2, k) for k in KINDS}
    result["fit"] = inner  # the training folds, on what the thresholds were chosen on
    return result


def main() -> None:
    parser = study_arguments(__doc__.splitlines()[0], "/tmp/kinds-bench.pickle")
    parser.add_argument(
        "--files", nargs="*", default=CALIBRATION_INPUTS, help="calibration inputs, in order"
    )
    args = parser.parse_args()
    args.file = [CALIBRATION / f"{name}.jsonl" for name in args.files]
    questions, groups, extra = _gather(args)
    kinds = [kind_of(q.case.q) for q in questions]
    on = [not q.off_topic for q in questions]
    for number, name in enumerate(KINDS):
        of = [o for o, k in zip(on, kinds, strict=True) if k == number]
        print(f"{name}: {sum(of)} on-topic, {len(of) - sum(of)} off-topic")
    domain = gathered_domain(questions, extra)
    neighbour = gathered_neighbour(questions, extra)
    stacked: dict[str, Stacked] = {DOMAIN_FEATURE: domain, NEIGHBOUR_FEATURE: neighbour}
    names = HYBRID_FEATURES
    runs: dict[str, list[dict]] = {arm: [] for arm in ARMS}
    chosen: dict[str, list[tuple[Thresholds, ...]]] = {arm: [] for arm in ARMS}
    for s in range(args.first_seed, args.first_seed + args.seeds):
        seed = SEED + 10 * s
        cache = Path(f"{args.cache}.seed{s}")
        started = time.monotonic()
        if cache.is_file():
            records = pickle.loads(cache.read_bytes())
        else:
            records = fold_records(questions, names, stacked, domain.labelled, seed)
            cache.write_bytes(pickle.dumps(records))
        for arm, chooser in ARMS.items():
            runs[arm].append(scored(records, questions, groups, kinds, chooser, chosen[arm]))
        print(f"seed {s}: {time.monotonic() - started:.0f} s", flush=True)
    report(runs, chosen, groups)


def report(
    runs: dict[str, list[dict]],
    chosen: dict[str, list[tuple[Thresholds, ...]]],
    groups: Sequence[str],
) -> None:
    """Per arm: print_runs (mean over seeds, sd), each seed, per kind, the thresholds."""
    print("set: per language right / wrong / right in answer+offer / off-topic refused")
    for arm, arm_runs in runs.items():
        print_runs(arm, arm_runs, groups, 0.0)
        print_seeds(arm_runs)
        for name in KINDS:
            table = np.array(
                [[r["by_kind"][name]["all"][x] * 100 for x in RATES] for r in arm_runs]
            )
            print(f"  kind {name:11s} " + " / ".join(f"{v:.1f}" for v in table.mean(axis=0)))
        for number, name in enumerate(KINDS):
            answer = np.mean([pairs[number].answer_at for pairs in chosen[arm]])
            clarify = np.mean([pairs[number].clarify_at for pairs in chosen[arm]])
            print(f"  thresholds {name:11s} answer {answer:.3f} clarify {clarify:.3f} (fold mean)")
        fit = np.array([[r["fit"][x] * 100 for x in RATES] for r in arm_runs]).mean(axis=0)
        print("  on the training folds (in sample) " + " / ".join(f"{v:.1f}" for v in fit))
    base = runs["shared"]
    for arm in ("answer", "both"):
        diffs = np.array(
            [
                [(r["all"][x] - b["all"][x]) * 100 for x in RATES]
                for r, b in zip(runs[arm], base, strict=True)
            ]
        )
        print(
            f"{arm} - shared, paired: mean "
            + " / ".join(f"{v:+.2f}" for v in diffs.mean(axis=0))
            + " (sd "
            + " / ".join(f"{v:.2f}" for v in diffs.std(axis=0))
            + ")"
        )


if __name__ == "__main__":
    main()
