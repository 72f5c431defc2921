"""Round 8: per-candidate features from the labelled questions, and the "did you mean"
policy, by repeated nested, stacked cross-validation on the calibration questions
(docs/performance.md, "Round 8"). Neither variant beat round 6 then; `neighbour` was
shipped in round 13 (`knowledge/retrieval/neighbour.py`, which this bench now imports).

Variants (each on top of round 6's features, `domain` stacked as shipped):

- `neighbour`: `knn` (`semantic.py`) with labelled questions among the voters: the
  candidate's share of the question's 10 nearest among all titles, phrasings and the
  training folds' labelled on-topic questions (a question labelled with two articles
  votes for both);
- `nb_nearest`: per candidate, the question's cosine to the nearest known way of asking
  for the article: its titles and phrasings or a labelled question of it.

Each reads labelled questions, so each is stacked like `domain` (`calibrate.py`: the
held-out fold's questions vote for nobody, not even for the training questions' values).
Only the calibration questions are read (every file in `tests/knowledge/data/calibration`,
label files joined with `--shared DIR`, as `kb calibrate` reads them); the frozen split and
the hold-out never. `--together T` keeps near-duplicate questions (cosine >= T: one
writer's variants, translations) in one fold, so that none votes for another out of fold;
`--option-share`, `--max-options` try the decision rule's presentation settings.
`--analyse` prints where the right article stood among the out-of-fold candidates of the
on-topic questions, by verdict, and the article pairs most often confused.

Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/neighbours.py --shared DIR
[--seeds 5] [--only round6 neighbour] [--analyse]`.
"""

from __future__ import annotations

import argparse
import pickle
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.domain import gathered_neighbour, print_runs, seeded_runs
from knowledge import Answerer, build_encoder, load_knowledge_base
from knowledge.retrieval import calibrate, decision
from knowledge.retrieval import folds as folds_module
from knowledge.retrieval.calibrate import Question, collect
from knowledge.retrieval.calibration_inputs import read_inputs
from knowledge.retrieval.decision import outcome, summarise
from knowledge.retrieval.domain import DOMAIN_FEATURE, DomainData
from knowledge.retrieval.features import HYBRID_FEATURES
from knowledge.retrieval.folds import Stacked
from knowledge.retrieval.neighbour import NEIGHBOUR_FEATURE, NeighbourData, vote

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "tests/knowledge/data/calibration"
ROUND6 = tuple(n for n in HYBRID_FEATURES if n != NEIGHBOUR_FEATURE)  # before round 13
BASE = tuple(n for n in ROUND6 if n != DOMAIN_FEATURE)
__all__ = ["NEIGHBOUR_FEATURE", "NeighbourData", "vote"]


def nearest(data: NeighbourData) -> Stacked:
    """`nb_nearest`: per candidate, the larger of its nearest title or phrasing cosine and
    its nearest labelled question's."""
    to_texts = np.asarray(data.vectors, np.float32) @ np.asarray(data.texts, np.float32).T
    columns: dict[str, list[int]] = {}
    for j, a in enumerate(data.text_ids):
        columns.setdefault(a, []).append(j)

    def values(train: Sequence[int], target: Sequence[int]) -> list[np.ndarray]:
        rows, known = data.known(train)
        labelled: dict[str, list[int]] = {}
        for j, a in enumerate(known):
            labelled.setdefault(a, []).append(rows[j])
        out = []
        for t in target:
            row = []
            for a in data.ids[t]:
                best = float(to_texts[t, columns[a]].max()) if a in columns else -1.0
                if a in labelled:
                    best = max(best, float(data._between[t, labelled[a]].max()))
                row.append(best)
            out.append(np.array(row))
        return out

    return values


def together(
    questions: Sequence[Question], vectors: np.ndarray, at: float
) -> Callable[..., list[list[int]]]:
    """k-fold splits that keep near-duplicate questions (cosine >= `at`, e.g. one writer's
    variants or a translation) in one fold, so none is another's neighbour out of fold."""
    v = np.asarray(vectors, np.float32)
    close = (v @ v.T) >= at
    parent = list(range(len(questions)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(close, 1)), strict=True):
        parent[root(int(i))] = root(int(j))
    cluster = {id(q.case): root(i) for i, q in enumerate(questions)}

    def key(item: object) -> int:
        if isinstance(item, Question):
            return cluster[id(item.case)]
        assert isinstance(item, int)
        return cluster[id(questions[item].case)]

    def split(items: Sequence[object], k: int, seed: int) -> list[list[int]]:
        members: dict[int, list[int]] = {}
        for position, item in enumerate(items):
            members.setdefault(key(item), []).append(position)
        order = list(members)
        random.Random(seed).shuffle(order)
        out: list[list[int]] = [[] for _ in range(k)]
        for c in order:
            min(out, key=len).extend(members[c])
        return out

    return split


def _gather(args: argparse.Namespace) -> tuple[list[Question], list[str], dict[str, object]]:
    cache = Path(args.cache)
    if cache.is_file():
        with cache.open("rb") as handle:
            stored: tuple[list[Question], list[str], dict[str, object]] = pickle.load(handle)
            return stored
    answerer = Answerer(load_knowledge_base(), "dpo@example.com", encoder=build_encoder("builtin"))
    inputs = read_inputs(args.file, args.shared)
    questions = collect(answerer, inputs.cases, True, BASE)
    assert answerer.encoder is not None and answerer._semantic is not None
    texts = answerer.text_vectors()
    index = answerer._semantic
    vectors = answerer.encoder.encode([q.case.q for q in questions], "query")
    asked = ~index.passage
    text_ids = [index.ids[g] for g in index.group[asked]]
    to_texts = np.asarray(vectors, np.float32) @ np.asarray(texts[asked], np.float32).T
    phrasings = []
    for i, q in enumerate(questions):
        best: dict[str, float] = {}
        for j, a in enumerate(text_ids):
            best[a] = max(best.get(a, -2.0), float(to_texts[i, j]))
        phrasings.append(np.array([best.get(a, -2.0) for a in q.ids]))
    extra = {
        "texts": texts,
        "asked": texts[asked],
        "text_ids": text_ids,
        "vectors": vectors,
        "phrasings": phrasings,
    }
    stored = (questions, list(inputs.groups), extra)
    with cache.open("wb") as handle:
        pickle.dump(stored, handle)
    return stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    default = sorted(CALIBRATION.glob("*.jsonl"))  # every calibration input, as kb calibrate
    parser.add_argument("--file", type=Path, nargs="*", default=default)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--only", nargs="*", help="only these variants")
    parser.add_argument("--cache", default="/tmp/neighbours-bench.pickle")
    parser.add_argument("--analyse", action="store_true")
    parser.add_argument(
        "--together", type=float, help="near-duplicates (cosine >= this) share every fold"
    )
    parser.add_argument("--option-share", type=float, help="decision.OPTION_SHARE")
    parser.add_argument("--max-options", type=int, help="decision.MAX_OPTIONS")
    args = parser.parse_args()
    questions, groups, extra = _gather(args)
    if args.option_share is not None:
        decision.OPTION_SHARE = args.option_share
    if args.max_options:
        decision.MAX_OPTIONS = args.max_options
    if args.together:
        grouped = together(questions, np.asarray(extra["vectors"]), args.together)
        calibrate.folds = grouped
        folds_module.folds = grouped
    vectors = np.asarray(extra["vectors"], np.float64)
    used = np.array([not q.skipped for q in questions])
    domain = DomainData(
        np.asarray(extra["texts"], np.float64),
        vectors,
        np.array([not q.off_topic for q in questions]),
        used,
    )
    neighbour = gathered_neighbour(questions, extra)
    plain: dict[str, Stacked] = {DOMAIN_FEATURE: domain}
    variants: dict[str, tuple[tuple[str, ...], dict[str, Stacked]]] = {
        "round6": (ROUND6, plain),
        "neighbour": ((*ROUND6, NEIGHBOUR_FEATURE), plain | {NEIGHBOUR_FEATURE: neighbour}),
        "nb_nearest": ((*ROUND6, "nb_nearest"), plain | {"nb_nearest": nearest(neighbour)}),
    }
    print("set: per language right / wrong / right in answer+offer / off-topic refused")
    for name, (names, stacked) in variants.items():
        if args.only and name not in args.only:
            continue
        started = time.monotonic()
        traces: list[list] = []
        runs = []
        for s in range(args.seeds):
            trace: list = []
            runs += seeded_runs(questions, names, groups, stacked, [s], trace=trace)
            traces.append(trace)
        print_runs(name, runs, groups, time.monotonic() - started)
        if args.analyse:
            analyse(questions, traces, name)


def analyse(questions: Sequence[Question], traces: list[list], name: str) -> None:
    """Where the right article stood, and what happened, per on-topic question and seed."""
    positions: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for trace in traces:
        for i, probabilities, limits in trace:
            q = questions[i]
            if q.off_topic or q.skipped or not len(probabilities):
                continue
            verdict = outcome(summarise(probabilities, q.labels, False), limits)
            order = np.argsort(-probabilities, kind="stable")
            ranks = [r for r, j in enumerate(order) if q.labels[j]]
            where = (
                "absent" if not ranks else f"rank {min(ranks) + 1}" if ranks[0] < 3 else "rank 4+"
            )
            positions[f"{verdict:18s} {where}"] += 1
            if verdict in ("answered_wrong", "clarified_wrong") or (ranks and ranks[0] > 0):
                right = next((q.ids[j] for j in order if q.labels[j]), "-")
                pairs[(right, q.ids[order[0]])] += 1
    print(f"  {name}: on-topic verdicts by the right article's out-of-fold rank (all seeds)")
    for key, count in sorted(positions.items()):
        print(f"    {key} {count}")
    print("  most confused (right, first):")
    for (right, first), count in pairs.most_common(15):
        print(f"    {count:3d} {right} <- {first}")


if __name__ == "__main__":
    main()
