"""An off-topic signal for the hybrid confidence model: which one, by repeated nested,
stacked cross-validation on the calibration questions (round 5, docs/performance.md).

Two candidates, each a question-level feature fitted on labelled questions and so
computed out of fold (`calibrate.cross_validate(stacked=...)`: the held-out fold's
questions are never among the data of their own feature, nor of the training questions'):

- `margin` (a): the question's cosine to the nearest text of the knowledge base minus its
  cosine to the nearest off-topic calibration question of the training folds;
- `domain` (b, `retrieval/domain.py`): the logit of an L2 logistic regression on the
  question's embedding, positives the base's texts and the training folds' on-topic
  questions, negatives their off-topic ones, C by inner cross-validation.

Each is appended to the shipped round-4 features and scored with five fold seeds, next to
the round-4 model (mean rates per language: answered right / wrong / right in answer or
offer / off-topic refused; the standard deviation over the seeds for "all"; then "all"
per input: the calibration file and each shared set). Only the
calibration questions are read (`questions.jsonl` and the shared dev sets' labels, as
`kb calibrate` reads them); the frozen split never.

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/domain.py [--seeds 5]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from knowledge import Answerer, build_encoder, load_knowledge_base
from knowledge.retrieval.calibrate import SEED, Stacked, collect, cross_validate
from knowledge.retrieval.calibration_inputs import read_inputs
from knowledge.retrieval.domain import DOMAIN_FEATURE, DomainData
from knowledge.retrieval.features import HYBRID_FEATURES

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "tests/knowledge/data/calibration"
FILES = [CALIBRATION / "questions.jsonl", CALIBRATION / "shared_labels.jsonl"]
ROUND4 = tuple(n for n in HYBRID_FEATURES if n != DOMAIN_FEATURE)
RATES = ("answered_right", "answered_wrong", "right_in_answer_or_clarify", "off_topic_refused")


def nearest_negative_margin(data: DomainData) -> Stacked:
    """(a): nearest base text's cosine minus the nearest training off-topic question's."""
    to_texts = (data.vectors @ data.articles.T).max(axis=1)
    between = data.vectors @ data.vectors.T

    def values(train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        negatives = [i for i in train if data.used[i] and not data.on_topic[i]]
        rows = list(target)
        return np.asarray(to_texts[rows] - between[np.ix_(rows, negatives)].max(axis=1))

    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--file", type=Path, nargs="*", default=FILES)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--only", nargs="*", help="only these of: round4 margin domain")
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
        "margin": nearest_negative_margin(data),
        "domain": data,
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
        cells, spread = [], ""
        for lang in ("all", "sv", "en"):
            table = np.array([[run[lang][r] * 100 for r in RATES] for run in runs])
            cells.append(f"{lang} " + " / ".join(f"{v:.1f}" for v in table.mean(axis=0)))
            if lang == "all":
                spread = " / ".join(f"{v:.1f}" for v in table.std(axis=0))
        seconds = time.monotonic() - started
        print(f"{name:7s} " + " | ".join(cells) + f" (sd {spread}; {seconds:.0f} s)", flush=True)
        for group in dict.fromkeys(inputs.groups):
            table = np.array(
                [[run["by_input"][group]["all"][r] * 100 for r in RATES] for run in runs]
            )
            print(f"  {group:10s} " + " / ".join(f"{v:.1f}" for v in table.mean(axis=0)))


if __name__ == "__main__":
    main()
