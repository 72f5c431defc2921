"""Round 18: an off-topic signal for the lexical-only model (`GDPRBOT_EMBEDDINGS=off`), a
lexical analogue of the hybrid model's `domain` margin, by repeated nested, stacked
cross-validation on the calibration questions (docs/performance.md, "Round 18"; the frozen
split and the hold-out are never read).

One value per question (all its candidates share it), read by the lexical confidence model
next to the shipped `LEXICAL_FEATURES`. Its negatives are the training folds' off-topic
questions (every language, each analysed by the question's pool analyzer), so it is stacked
like `domain` (`calibrate.cross_validate(stacked=...)`: the held-out fold's questions are
negatives for nobody, the training questions' values come from an inner k-fold). Two arms,
both defined before any run:

- `coverage` (A): the best idf-weighted coverage of the question's words among its lexical
  candidates (the max of the `coverage` column) minus the best coverage of the same words,
  with the same weights, by any one negative question (a word is covered when the negative
  has one of its terms: stems, synonyms, spelling alternatives); both sides 0..1;
- `bm25` (B): the question's best BM25F score over the base (as shipped) minus its best
  BM25 over an index of the negatives (one field, k1 1.2, b 0.75, Lucene idf over the
  negatives; the query is the question's distinct terms, as `LanguageIndex.search`).

Result on 1,905 questions (Round 18): both arms add about 4 points of right answers and
10-16 of right in answer or offer, but wrong answers rise by about 0.5 points, over the
keep rule's +0.3: not kept, not shipped.

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/lexical_domain.py --shared DIR
[--seeds 3] [--only baseline coverage bm25]`.
"""

from __future__ import annotations

import pickle
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.domain import CALIBRATION_INPUTS, print_runs, print_seeds, seeded_runs, study_arguments
from knowledge import Answerer, load_knowledge_base
from knowledge.loader import LANGS
from knowledge.model import Lang
from knowledge.retrieval.calibrate import Question, collect
from knowledge.retrieval.calibration_inputs import read_inputs
from knowledge.retrieval.features import LEXICAL_FEATURES
from knowledge.retrieval.lexical import BM25_B, BM25_K1

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "tests/knowledge/data/calibration"
FILES = [CALIBRATION / f"{name}.jsonl" for name in CALIBRATION_INPUTS]
FEATURE = "lex_domain"


@dataclass
class Gathered:
    """Per question: its lexical rows (`collect`), its pool language, its words (weight,
    terms), its best BM25F over the base, and per language its index terms as a negative."""

    questions: list[Question]
    groups: list[str]
    langs: list[Lang]
    slots: list[list[tuple[float, tuple[str, ...]]]]
    best_bm25: np.ndarray
    terms: dict[Lang, list[list[str]]]


def gather(files: Sequence[Path], shared: Path, cache: Path) -> Gathered:
    if cache.is_file():
        return Gathered(*pickle.loads(cache.read_bytes()))
    answerer = Answerer(load_knowledge_base(), "dpo@example.com")
    inputs = read_inputs(files, shared)
    questions = collect(answerer, inputs.cases, False)
    langs, slots, best = [], [], []
    for q in questions:
        lang = answerer.language(q.case.q)
        result = answerer._pools[lang].index.search(q.case.q)
        langs.append(lang)
        slots.append([(s.weight, s.terms) for s in result.slots])
        best.append(float(result.scores.max()) if len(result.scores) else 0.0)
    terms = {
        lang: [answerer._pools[lang].index.analyzer.index_terms(q.case.q) for q in questions]
        for lang in LANGS
    }
    out = Gathered(questions, list(inputs.groups), langs, slots, np.array(best), terms)
    cache.write_bytes(
        pickle.dumps(tuple(vars(out).values()))
    )  # a tuple: readable from any __main__
    return out


class Margins:
    """The two arms' stacked values over gathered questions (`folds.Stacked`)."""

    def __init__(self, data: Gathered) -> None:
        self.data = data
        n = len(data.questions)
        self.negative = np.array([q.off_topic and not q.skipped for q in data.questions])
        at = LEXICAL_FEATURES.index("coverage")
        self.base_cover = np.array(
            [q.rows[:, at].max() if len(q.rows) else 0.0 for q in data.questions]
        )
        self.cover = np.zeros((n, n))  # [question, other]: share of its weight `other` has
        self.tf: dict[Lang, np.ndarray] = {}
        self.query: dict[Lang, np.ndarray] = {}
        for lang in LANGS:
            vocab: dict[str, int] = {}
            for doc in data.terms[lang]:
                for t in doc:
                    vocab.setdefault(t, len(vocab))
            tf = np.zeros((n, len(vocab)), np.float32)
            for i, doc in enumerate(data.terms[lang]):
                for t in doc:
                    tf[i, vocab[t]] += 1
            query = np.zeros((n, len(vocab)), np.float32)
            for i in (i for i in range(n) if data.langs[i] == lang):
                words = data.slots[i]
                total = sum(w for w, _ in words)
                for t in {t for _, ts in words for t in ts if t in vocab}:
                    query[i, vocab[t]] = 1.0
                for weight, ts in words:
                    ids = [vocab[t] for t in ts if t in vocab]
                    if ids and total > 0:
                        self.cover[i] += weight / total * (tf[:, ids].max(axis=1) > 0)
            self.tf[lang], self.query[lang] = tf, query

    def negatives(self, train: Sequence[int]) -> list[int]:
        return [i for i in train if self.negative[i]]

    def coverage(self, train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        rows, negatives = list(target), self.negatives(train)
        nearest = self.cover[np.ix_(rows, negatives)].max(axis=1) if negatives else 0.0
        return np.asarray(self.base_cover[rows] - nearest)

    def bm25(self, train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        rows, negatives = list(target), self.negatives(train)
        out = np.array(self.data.best_bm25[rows])
        if not negatives:
            return out
        for lang in LANGS:
            mine = [j for j, t in enumerate(rows) if self.data.langs[t] == lang]
            if not mine:
                continue
            tf = self.tf[lang][negatives]
            length = tf.sum(axis=1)
            norm = BM25_K1 * (1 - BM25_B + BM25_B * length / max(float(length.mean()), 1e-9))
            df = (tf > 0).sum(axis=0)
            count = len(negatives)
            idf = np.log(1 + (count - df + 0.5) / (df + 0.5))
            weights = tf * (BM25_K1 + 1) / (tf + norm[:, None]) * idf
            scores = self.query[lang][[rows[j] for j in mine]] @ weights.T
            out[mine] -= scores.max(axis=1)
        return out


def main() -> None:
    parser = study_arguments(__doc__.splitlines()[0], "/tmp/lexical-domain-bench.pickle")
    parser.add_argument("--only", nargs="*", help="only these of: baseline coverage bm25")
    args = parser.parse_args()
    data = gather(FILES, args.shared, Path(args.cache))
    margins = Margins(data)
    arms = {"baseline": None, "coverage": margins.coverage, "bm25": margins.bm25}
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    print("set: per language right / wrong / right in answer+offer / off-topic refused")
    for name, stacked in arms.items():
        if args.only and name not in args.only:
            continue
        names = LEXICAL_FEATURES if stacked is None else (*LEXICAL_FEATURES, FEATURE)
        started = time.monotonic()
        runs = seeded_runs(
            data.questions,
            names,
            data.groups,
            None if stacked is None else {FEATURE: stacked},
            seeds,
        )
        print_runs(name, runs, data.groups, time.monotonic() - started)
        print_seeds(runs)
        for group in ("blind2", "blind3"):
            cells = [run["by_input"][group]["all"]["right_in_answer_or_clarify"] for run in runs]
            print(f"  {group} right in answer or offer per seed: {cells}", flush=True)


if __name__ == "__main__":
    main()
