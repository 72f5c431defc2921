"""Round 11: lexical features for long, situational questions, and the labelled-question
neighbour vote again, by repeated nested, stacked cross-validation on the calibration
questions (docs/performance.md, "Round 11"; the frozen split and the hold-out are never
read).

Both arms keep `domain` stacked and the offer model as shipped (`calibrate.cross_validate`
with `labelled=`, as `bench/offers.py --shipped`); a variant only changes the first model's
per-candidate features:

- `known`: `coverage` and `head_coverage` over the words the base uses only (a word no
  article has says nothing about which article is right; `unknown` carries its share);
- `known_cap`: the same with each word's normalised idf capped at `CAP` (a word in one
  article weighs 1; at the cap a word in about a tenth of 87 articles, or a hundredth of
  10,000), so one rare incidental word cannot carry most of a question's weight;
- `neighbour`: round 8's labelled-question vote (`bench/neighbours.py`), stacked;
- `phrase_cover`: the best share, over the article's title and phrasings, of a phrasing's
  idf weight that the question has (`PhrasingTable.fit(precision_only=True)`): a long
  message that holds one way of asking plus context still matches it fully.

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/lexical_features.py --shared DIR
[--seeds 3] [--only base known ...]`.
"""

from __future__ import annotations

import pickle
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.domain import (
    gathered_domain,
    gathered_neighbour,
    print_runs,
    print_seeds,
    seeded_runs,
    study_arguments,
)
from bench.neighbours import (
    BASE,
    CALIBRATION,
    NEIGHBOUR_FEATURE,
    _gather,
    together,
)
from knowledge import Answerer, load_knowledge_base
from knowledge.retrieval import calibrate
from knowledge.retrieval import folds as folds_module
from knowledge.retrieval.calibrate import Question
from knowledge.retrieval.domain import DOMAIN_FEATURE
from knowledge.retrieval.folds import Stacked

CAP = 0.5
KNOWN = {"coverage": "coverage_known", "head_coverage": "head_coverage_known"}
CAPPED = {"coverage": "coverage_cap", "head_coverage": "head_coverage_cap"}


def lexical_columns(questions: Sequence[Question]) -> list[dict[str, np.ndarray]]:
    """Per question, per new feature, one value per candidate (in `q.ids` order), from the
    same lexical index the answerer ranks with (no encoder needed)."""
    answerer = Answerer(load_knowledge_base(), "dpo@example.com")
    out: list[dict[str, np.ndarray]] = []
    for q in questions:
        if q.skipped or not len(q.ids):
            out.append({})
            continue
        pool = answerer._pools[answerer.language(q.case.q)]
        where = {a.id: i for i, a in enumerate(pool.articles)}
        candidates = [where[a] for a in q.ids]
        result = pool.index.search(q.case.q)
        index = pool.index
        columns = {
            "coverage": index.coverages(result, candidates),
            "head_coverage": index.coverages(result, candidates, head=True),
            "coverage_known": index.coverages(result, candidates, known_only=True),
            "head_coverage_known": index.coverages(result, candidates, True, True),
            "coverage_cap": index.coverages(result, candidates, known_only=True, cap=CAP),
            "head_coverage_cap": index.coverages(result, candidates, True, True, CAP),
            "phrase_cover": index.phrasing_fit(result, candidates, precision=True),
        }
        out.append({k: np.asarray(v, np.float64) for k, v in columns.items()})
    return out


def with_features(
    questions: Sequence[Question], extra: Sequence[Mapping[str, np.ndarray]], names: Sequence[str]
) -> list[Question]:
    """The questions with rows over `names` (each a BASE column or a new one)."""
    at = {n: i for i, n in enumerate(BASE)}
    out = []
    for q, cols in zip(questions, extra, strict=True):
        if q.skipped or not len(q.ids):
            out.append(Question(q.case, np.zeros((0, len(names))), q.labels, q.skipped, q.ids))
            continue
        rows = np.column_stack([q.rows[:, at[n]] if n in at else cols[n] for n in names])
        out.append(Question(q.case, rows, q.labels, q.skipped, q.ids))
    return out


def _replace(names: Sequence[str], mapping: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(mapping.get(n, n) for n in names)


VARIANTS: dict[str, tuple[tuple[str, ...], bool]] = {  # (plain features, + neighbour)
    "base": (BASE, False),
    "known": (_replace(BASE, KNOWN), False),
    "known_cap": (_replace(BASE, CAPPED), False),
    "neighbour": (BASE, True),
    "phrase_cover": ((*BASE, "phrase_cover"), False),
    "known+cover": ((*_replace(BASE, KNOWN), "phrase_cover"), False),
    "cap+cover": ((*_replace(BASE, CAPPED), "phrase_cover"), False),
    "known+cover+nb": ((*_replace(BASE, KNOWN), "phrase_cover"), True),
    "cap+cover+nb": ((*_replace(BASE, CAPPED), "phrase_cover"), True),
}


def main() -> None:
    parser = study_arguments(__doc__.splitlines()[0], "/tmp/lexical-features-bench.pickle")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--together", type=float, help="near-duplicates share every fold")
    args = parser.parse_args()
    args.file = sorted(CALIBRATION.glob("*.jsonl"))
    questions, groups, extra = _gather(args)
    lex_cache = Path(args.cache).with_suffix(".lexical.pickle")
    if lex_cache.is_file():
        columns = pickle.loads(lex_cache.read_bytes())
    else:
        columns = lexical_columns(questions)
        lex_cache.write_bytes(pickle.dumps(columns))
    at = {n: i for i, n in enumerate(BASE)}
    for q, cols in zip(questions, columns, strict=True):  # same index, same candidates
        if cols:
            assert np.allclose(q.rows[:, at["coverage"]], cols["coverage"])
            assert np.allclose(q.rows[:, at["head_coverage"]], cols["head_coverage"])
    vectors = np.asarray(extra["vectors"], np.float64)
    if args.together:  # as bench/neighbours.py: a writer's variants never vote out of fold
        grouped = together(questions, vectors, args.together)
        calibrate.folds = grouped
        folds_module.folds = grouped
    domain = gathered_domain(questions, extra)
    neighbour = gathered_neighbour(questions, extra)
    print("set: per language right / wrong / right in answer+offer / off-topic refused")
    for name, (plain, with_neighbour) in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        names = (*plain, DOMAIN_FEATURE) + ((NEIGHBOUR_FEATURE,) if with_neighbour else ())
        stacked: dict[str, Stacked] = {DOMAIN_FEATURE: domain}
        if with_neighbour:
            stacked[NEIGHBOUR_FEATURE] = neighbour
        rows = with_features(questions, columns, plain)
        started = time.monotonic()
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        runs = seeded_runs(rows, names, groups, stacked, seeds, labelled=domain.labelled)
        print_runs(name, runs, groups, time.monotonic() - started)
        print_seeds(runs)


if __name__ == "__main__":
    main()
