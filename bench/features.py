"""Which features the hybrid confidence model should read: repeated nested cross-validation.

Reads every candidate feature (`ALL_HYBRID_FEATURES`) of the calibration questions once
(one question embedding each), then scores each feature set by nested 5-fold
cross-validation (`knowledge.retrieval.calibrate.cross_validate`: model and thresholds
fitted on four folds, scored on the fifth) with five fold seeds, and prints the mean rates
per language: answered right / answered wrong / right in answer or offer / off-topic
refused. Only the calibration questions are read; the frozen split and the shared eval
sets are never used here. The round-2 and round-3 tables in docs/performance.md came from
this script (`--only NAME...` runs some of the sets).

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/features.py [--seeds 5]`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from knowledge import Answerer, build_encoder, load_knowledge_base
from knowledge.evaluate import read_cases
from knowledge.retrieval.calibrate import SEED, Question, collect, cross_validate
from knowledge.retrieval.features import ALL_HYBRID_FEATURES, HYBRID_FEATURES

CALIBRATION = Path(__file__).resolve().parent.parent / "tests/knowledge/data/calibration"
ROUND1 = ALL_HYBRID_FEATURES[:13]
CROSS = tuple(f"x{n}" if n.startswith("sem") else n for n in ROUND1)
SETS = {
    "round 1 (sem*)": ROUND1,
    "xsem*": CROSS,
    "xsem* + xsem_mean": (*CROSS, "xsem_mean"),
    "xsem* + knn": (*CROSS, "knn"),
    "xsem* + rrf": (*CROSS, "rrf"),
    "xsem* + knn + xsem_mean + rrf": (*CROSS, "knn", "xsem_mean", "rrf"),
    "sem* + knn + xsem_mean + rrf": (*ROUND1, "knn", "xsem_mean", "rrf"),
    "round 2 + phrase_fit": (*CROSS, "knn", "xsem_mean", "rrf", "phrase_fit"),
    "shipped (HYBRID_FEATURES)": HYBRID_FEATURES,
}
RATES = ("answered_right", "answered_wrong", "right_in_answer_or_clarify", "off_topic_refused")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--file", type=Path, default=CALIBRATION / "questions.jsonl")
    parser.add_argument("--only", nargs="*", help="only the sets with these names")
    args = parser.parse_args()
    answerer = Answerer(load_knowledge_base(), "dpo@example.com", encoder=build_encoder("builtin"))
    questions = collect(answerer, read_cases(args.file), True, ALL_HYBRID_FEATURES)
    print("feature set: per language, right / wrong / right in answer+offer / off-topic refused")
    for name, names in SETS.items():
        if args.only and name not in args.only:
            continue
        columns = [ALL_HYBRID_FEATURES.index(n) for n in names]
        subset = [Question(q.case, q.rows[:, columns], q.labels, q.skipped) for q in questions]
        runs = [cross_validate(subset, names, seed=SEED + 10 * s) for s in range(args.seeds)]
        cells = []
        for lang in ("all", "sv", "en"):
            mean = np.mean([[run[lang][r] * 100 for r in RATES] for run in runs], axis=0)
            cells.append(f"{lang} " + " / ".join(f"{v:.1f}" for v in mean))
        print(f"{name:32s} " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
