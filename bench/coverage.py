"""Coverage that one incidental word cannot sink: which variant, by repeated nested
cross-validation on the calibration questions (round 9, docs/performance.md).

`coverage` weighs each of the question's words by its idf in the knowledge base, so one
rare word the right article lacks ("kunden i luren säger…": `luren` appears in one
article) can carry most of the question's weight and take the right article's coverage
from 1.0 to about 0.3. Candidates, each scored with five fold seeds on the same collected
rows (mean rates per language: answered right / wrong / right in answer or offer /
off-topic refused; sd over the seeds; then "all" per input):

- `current`: the shipped features;
- `plus_plain`: also `plain_coverage`, the share of the question's meaningful words the
  article has, every word counting the same (the model learns how to weigh the two views);
- `plain_only`: `plain_coverage` instead of the idf-weighted `coverage`.

For both models (hybrid with the builtin encoder, and lexical). Only calibration files
are read; the frozen split and the hold-outs never.

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/coverage.py [--seeds 5]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.domain import print_runs
from knowledge import Answerer, build_encoder, load_knowledge_base
from knowledge.retrieval.calibrate import SEED, Question, collect, cross_validate
from knowledge.retrieval.calibration_inputs import read_inputs
from knowledge.retrieval.domain import DOMAIN_FEATURE, DomainData
from knowledge.retrieval.features import HYBRID_FEATURES, LEXICAL_FEATURES

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "tests/knowledge/data/calibration"
FILES = [
    CALIBRATION / name
    for name in ("questions.jsonl", "shared_labels.jsonl", "blind.jsonl", "blind2.jsonl")
]
PLAIN = "plain_coverage"


def variants(base: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {
        "current": base,
        "plus_plain": (*base, PLAIN),
        "plain_only": tuple(PLAIN if n == "coverage" else n for n in base),
    }


def subset(questions: Sequence[Question], have: Sequence[str], want: Sequence[str]) -> list:
    """The questions with only the columns of `want` (collected in the order of `have`;
    `domain` is stacked, not collected)."""
    columns = [have.index(n) for n in want if n != DOMAIN_FEATURE]
    return [dataclasses.replace(q, rows=q.rows[:, columns]) for q in questions]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--file", type=Path, nargs="*", default=FILES)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--only", choices=("hybrid", "lexical"))
    args = parser.parse_args()
    answerer = Answerer(load_knowledge_base(), "dpo@example.com", encoder=build_encoder("builtin"))
    inputs = read_inputs(args.file, args.shared)
    print("set: per language right / wrong / right in answer+offer / off-topic refused")
    for semantic, base in ((True, HYBRID_FEATURES), (False, LEXICAL_FEATURES)):
        if args.only and args.only != ("hybrid" if semantic else "lexical"):
            continue
        collected = tuple(n for n in (*base, PLAIN) if n != DOMAIN_FEATURE)
        questions = collect(answerer, inputs.cases, semantic, collected)
        stacked = None
        if semantic:
            assert answerer.encoder is not None
            stacked = DomainData(
                answerer.text_vectors(),
                answerer.encoder.encode([q.case.q for q in questions], "query"),
                np.array([not q.off_topic for q in questions]),
                np.array([not q.skipped for q in questions]),
            )
        for name, names in variants(base).items():
            started = time.monotonic()
            rows = subset(questions, collected, names)
            runs = [
                cross_validate(
                    rows, names, seed=SEED + 10 * s, groups=inputs.groups, stacked=stacked
                )
                for s in range(args.seeds)
            ]
            label = ("hybrid " if semantic else "lexical ") + name
            print_runs(label, runs, inputs.groups, time.monotonic() - started)


if __name__ == "__main__":
    main()
