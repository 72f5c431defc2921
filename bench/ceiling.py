"""How far the shipped ranking lets any answer threshold go: where the right article stands,
and the most right answers a single threshold could give within the issue's bars.

For each question set given (JSONL as `kb eval` reads it), with the shipped model:

- the share of on-topic questions whose right article the model ranks first, among its top
  three, and among its candidates at all;
- the *ceiling*: the most on-topic questions answered right that one answer threshold
  could give **on that very set**, with at most 3 % of its on-topic questions answered wrong
  and at least 95 % of the questions that expect a refusal refused. The threshold is chosen
  on the set it is scored on, so this is an upper bound for the shipped decision rule (which
  picks its threshold on calibration data), not a result; the ranking bounds it: a question
  whose right article is not first can only be offered or refused.

Evaluation only: run it once per shipped model on the held-out sets, like `kb eval`; no
figure it prints may choose anything (docs/performance.md, "Round 17").

Run: `OMP_NUM_THREADS=1 .venv/bin/python bench/ceiling.py FILE.jsonl...`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge import Answerer, build_encoder, load_knowledge_base
from knowledge.evaluate import EvalCase, read_cases

MAX_WRONG = 0.03  # the bars
MIN_REFUSED = 0.95
NOT_RANKED = 99


@dataclass(frozen=True)
class Ranked:
    """One question: the best candidate's probability and where the right article stood."""

    probability: float
    rank: int  # 0 = first; NOT_RANKED when no candidate is right (or none is expected)


def rank_all(answerer: Answerer, cases: Sequence[EvalCase]) -> list[Ranked]:
    out = []
    for case in cases:
        scored, _ = answerer.ranked(case.q, answerer.language(case.q))
        ids = [s.article.id for s in scored]
        rank = next((i for i, a in enumerate(ids) if a in case.articles), NOT_RANKED)
        out.append(Ranked(scored[0].probability if scored else 0.0, rank))
    return out


def ceiling(on: Sequence[Ranked], refuse: Sequence[Ranked]) -> tuple[float, float]:
    """The most right answers any one threshold gives within the bars, and that threshold."""
    best = (0.0, 1.0)
    for t in sorted({r.probability for r in (*on, *refuse)}):
        right = sum(r.rank == 0 and r.probability >= t for r in on) / len(on)
        wrong = sum(r.rank != 0 and r.probability >= t for r in on) / len(on)
        refused = sum(r.probability < t for r in refuse) / max(1, len(refuse))
        if wrong <= MAX_WRONG and refused >= MIN_REFUSED and right > best[0]:
            best = (right, t)
    return best


def report(name: str, on: Sequence[Ranked], refuse: Sequence[Ranked]) -> str:
    def share(rank: int) -> float:
        return 100 * sum(r.rank < rank for r in on) / len(on)

    right, at = ceiling(on, refuse)
    return (
        f"{name:<24} {len(on):>4} {share(1):>7.1f} {share(3):>7.1f} {share(NOT_RANKED):>7.1f}"
        f" {100 * right:>8.1f}  (at {at:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    answerer = Answerer(load_knowledge_base(), "dpo@example.com", encoder=build_encoder("builtin"))
    print(f"{'set':<24} {'on':>4} {'first':>7} {'top 3':>7} {'cands':>7} {'ceiling':>8}")
    for path in args.files:
        cases = [c for c in read_cases(path) if c.articles or c.expect_fallback]
        ranked = dict(zip((c.id for c in cases), rank_all(answerer, cases), strict=True))
        for lang in ("sv", "en", None):
            chosen = [c for c in cases if lang is None or c.lang == lang]
            on = [ranked[c.id] for c in chosen if not c.expect_fallback]
            refuse = [ranked[c.id] for c in chosen if c.expect_fallback]
            if on:
                print(report(f"{path.stem} {lang or 'all'}", on, refuse))


if __name__ == "__main__":
    main()
