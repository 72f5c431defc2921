"""Round 12: features from the article's body (what the index does not hold), by repeated
nested, stacked cross-validation on the calibration questions (docs/performance.md,
"Round 12"; the frozen split and the hold-out are never read).

The index holds an article's title, tags, phrasings and direct answer (first paragraph),
not the rest of its body ("Mer information", "Så gör du" / "What you do": steps,
examples, exceptions). A stranger's long message often describes a concrete case that a
step or an example covers while the title and phrasings do not. Computed for the
candidates already chosen only (the cost per question does not grow with the base):

- `body_sem`: the largest cosine between the question's e5 "query: " vector and the
  candidate's body passages (each paragraph and list item, the direct answer included,
  embedded as "passage: "), both languages' versions (as `xsem`); `body_gap`: minus the
  best other candidate's;
- `body_coverage`: the idf-weighted share of the question's words the body after the
  direct answer has (as `coverage`, `lexical.py`: same words, weights and analyser).

Variants add columns to the shipped model (round 6 features, `domain` stacked, the offer
model as shipped: `calibrate.cross_validate(labelled=...)`); every variant on the same
questions, folds and seeds. The body passages are embedded once, in one batched encoder
run, and cached beside `--cache`. `--rank` also prints, out of fold, how often the right
article comes first or in the top 3, and the answer thresholds the outer folds chose.

Nothing here is shipped: no variant was kept (the body ranks a little better but costs
right answers). Run: `OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/body.py
--shared DIR [--seeds 3] [--first-seed 0] [--only baseline body body_cov both] [--rank]`
(one process per seed: `--seeds 1 --first-seed S`).
"""

from __future__ import annotations

import argparse
import pickle
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.domain import gathered_domain, print_runs, print_seeds, seeded_runs
from bench.neighbours import BASE, CALIBRATION, _gather
from bench.segments import _gap
from knowledge import Answerer, build_encoder, load_knowledge_base
from knowledge.retrieval.calibrate import Question, with_column
from knowledge.retrieval.domain import DOMAIN_FEATURE
from knowledge.sections import direct_answer

BODY = ("body_sem", "body_gap")
# the baseline: round 6's features (the shipped ones without the body's, if shipped)
ROUND6 = tuple(n for n in BASE if n not in BODY)


def rest_of_body(body: str) -> str:
    """The body after its direct answer (first paragraph)."""
    first = direct_answer(body)
    return body.strip()[len(first) :].strip()


_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def body_passages(body: str) -> list[str]:
    """The direct answer, then each paragraph and list item of the rest (headings dropped;
    an item's continuation lines stay with it): one step, example or exception each."""
    first = direct_answer(body)
    out = [first] if first else []
    for block in re.split(r"\n\s*\n", rest_of_body(body)):
        lines = [ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if not lines:
            continue
        if not any(_ITEM.match(ln) for ln in lines):
            out.append(" ".join(ln.strip() for ln in lines))
            continue
        items: list[str] = []
        for ln in lines:
            if _ITEM.match(ln) or not items:
                items.append(_ITEM.sub("", ln).strip())
            else:
                items[-1] += " " + ln.strip()
        out.extend(i for i in items if i)
    return out


def body_vectors(cache: Path) -> dict[str, np.ndarray]:
    """Per article id, its body passages' vectors (both languages), cached in `cache`."""
    if cache.is_file():
        stored: dict[str, np.ndarray] = pickle.loads(cache.read_bytes())
        return stored
    encoder = build_encoder("builtin")
    assert encoder is not None
    kb = load_knowledge_base()
    texts: list[str] = []
    owners: list[str] = []
    for lang in ("sv", "en"):
        for article in kb.in_language(lang):
            passages = body_passages(article.body)
            texts.extend(passages)
            owners.extend([article.id] * len(passages))
    encoded = np.asarray(encoder.encode(texts, "passage"), np.float32)
    out: dict[str, list[np.ndarray]] = {}
    for owner, row in zip(owners, encoded, strict=True):
        out.setdefault(owner, []).append(row)
    result = {a: np.vstack(rows) for a, rows in out.items()}
    cache.write_bytes(pickle.dumps(result))
    print(f"embedded {len(texts)} body passages of {len(result)} ids", flush=True)
    return result


def body_features(
    questions: Sequence[Question], vectors: np.ndarray, bodies: dict[str, np.ndarray]
) -> dict[str, list[np.ndarray]]:
    """`body_sem`, `body_gap` per question, one value per candidate."""
    out: dict[str, list[np.ndarray]] = {"body_sem": [], "body_gap": []}
    for q, v in zip(questions, vectors, strict=True):
        query = np.asarray(v, np.float32)
        values = np.array(
            [float((bodies[a] @ query).max()) if a in bodies else -1.0 for a in q.ids]
        )
        out["body_sem"].append(values)
        out["body_gap"].append(_gap(values) if len(values) else values)
    return out


def body_coverages(questions: Sequence[Question]) -> list[np.ndarray]:
    """`body_coverage` per question: as `coverage`, over the body after the direct answer
    of the candidate's version in the asker's pool."""
    answerer = Answerer(load_knowledge_base(), "dpo@example.com")
    terms: dict[tuple[str, str], frozenset[str]] = {}
    out: list[np.ndarray] = []
    for q in questions:
        if q.skipped or not q.ids:
            out.append(np.zeros(len(q.ids)))
            continue
        lang = answerer.language(q.case.q)
        pool = answerer._pools[lang]
        if (lang, "") not in terms:
            for article in pool.articles:
                terms[(lang, article.id)] = frozenset(
                    pool.index.analyzer.index_terms(rest_of_body(article.body))
                )
            terms[(lang, "")] = frozenset()
        slots = [(s.weight, s.terms) for s in pool.index.slots(q.case.q)]
        total = sum(w for w, _ in slots)
        values = [
            sum(w for w, t in slots if not terms.get((lang, a), frozenset()).isdisjoint(t)) / total
            if total > 0
            else 0.0
            for a in q.ids
        ]
        out.append(np.array(values))
    return out


def print_ranks(
    name: str, questions: Sequence[Question], groups: Sequence[str], trace: list
) -> None:
    """Out of fold, per input: on-topic questions whose right article the model puts
    first / in its top 3, and the mean top probability (all seeds together); and the
    mean answer threshold the outer folds chose."""
    limits = [t.answer_at for _, _, t in trace]
    if limits:
        print(
            f"  {name} answer_at mean {np.mean(limits):.3f}"
            f" range {min(limits):.3f}-{max(limits):.3f}"
        )
    counts: dict[str, list[float]] = {}
    for i, probabilities, _ in trace:
        q = questions[i]
        if q.off_topic or q.skipped or not len(probabilities) or not q.labels.any():
            continue
        order = np.argsort(-probabilities, kind="stable")
        for key in ("all", groups[i]):
            c = counts.setdefault(key, [0, 0, 0, 0.0])
            c[0] += 1
            c[1] += bool(q.labels[order[0]])
            c[2] += bool(q.labels[order[:3]].any())
            c[3] += float(probabilities[order[0]])
    for key, (n, first, top3, p) in sorted(counts.items()):
        print(
            f"  {name} rank {key:9s} n {n:4.0f}  first {first / n:.3f}  top3 {top3 / n:.3f}"
            f"  mean top p {p / n:.3f}"
        )


VARIANTS: dict[str, tuple[str, ...]] = {
    "baseline": (),
    "body": ("body_sem", "body_gap"),
    "body_cov": ("body_coverage",),
    "both": ("body_sem", "body_gap", "body_coverage"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/body-bench.pickle"))
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--prepare", action="store_true", help="only build the caches")
    parser.add_argument(
        "--rank", action="store_true", help="also count where the right article stood"
    )
    args = parser.parse_args()
    gathered = argparse.Namespace(
        cache=str(args.cache), file=sorted(CALIBRATION.glob("*.jsonl")), shared=args.shared
    )
    questions, groups, extra = _gather(gathered)
    bodies = body_vectors(args.cache.with_suffix(".body.pickle"))
    vectors = np.asarray(extra["vectors"], np.float64)
    features = body_features(questions, vectors, bodies)
    coverage_cache = args.cache.with_suffix(".bodycov.pickle")
    if coverage_cache.is_file():
        features["body_coverage"] = pickle.loads(coverage_cache.read_bytes())
    else:
        features["body_coverage"] = body_coverages(questions)
        coverage_cache.write_bytes(pickle.dumps(features["body_coverage"]))
    if args.prepare:
        return
    domain = gathered_domain(questions, extra)
    keep = [BASE.index(n) for n in ROUND6]  # a cache gathered with the body's columns
    base = [Question(q.case, q.rows[:, keep], q.labels, q.skipped, q.ids) for q in questions]
    base_width = len(ROUND6)  # the rows lack `domain`, stacked at its place
    for name, added in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        names = (*ROUND6, DOMAIN_FEATURE, *added)
        rows = list(base)
        for k, feature in enumerate(added):
            rows = with_column(rows, features[feature], base_width + k)
        started = time.monotonic()
        trace: list = []
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        runs = seeded_runs(
            rows,
            names,
            groups,
            domain,
            seeds,
            labelled=domain.labelled,
            trace=trace if args.rank else None,
        )
        if args.rank:
            print_ranks(name, questions, groups, trace)
        print_runs(name, runs, groups, time.monotonic() - started)
        print_seeds(runs)
        with open(f"{args.cache.with_suffix('')}.{name}.{args.first_seed}.pickle", "wb") as fh:
            pickle.dump(runs, fh)


if __name__ == "__main__":
    main()
