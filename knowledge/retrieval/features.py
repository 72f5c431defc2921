"""The features the confidence model reads, for one candidate article of one question.

Every feature is relative to what the question and the whole index offer, so the same
weights hold for a base of 60 articles or 10,000:

- `sem`: cosine similarity between the question and the article's nearest text (title,
  a phrasing or the direct answer), multilingual-e5-small;
- `sem_z`: how far `sem` stands out from the question's similarity to all articles, in
  standard deviations (a short or vague question is similar to everything, a question
  about one topic to a few articles: the background differs per question);
- `sem_gap`: `sem` minus the best other article's (> 0 only for the semantic winner);
- `sem_answer`: similarity to the article's direct answer alone (a question phrased unlike
  any phrasing can still match what the answer says);
- `sem_top3`: mean similarity of its three nearest phrasings (one lucky phrasing is weaker
  evidence than several);
- `sem_rr`, `lex_rr`: 1 / rank of the article by each signal (1 for the winner, as in
  reciprocal rank fusion);
- `coverage`: idf-weighted share of the question's words the article has (unknown words
  weigh like the rarest word; see `lexical.py`); `head_coverage`: the same for its title,
  tags and phrasings only;
- `lex_rel`: BM25 score / the best BM25 score for the question;
- `lex_gap`: (BM25 − the best other article's) / the best;
- `unknown`: share of the question's words the whole knowledge base never uses;
- `length`: log(1 + number of meaningful words): one-word questions are judged differently.
"""

from __future__ import annotations

import math

import numpy as np

HYBRID_FEATURES = (
    "sem",
    "sem_z",
    "sem_gap",
    "sem_answer",
    "sem_top3",
    "sem_rr",
    "lex_rr",
    "coverage",
    "head_coverage",
    "lex_rel",
    "lex_gap",
    "unknown",
    "length",
)
LEXICAL_FEATURES = ("coverage", "head_coverage", "lex_rel", "lex_gap", "unknown", "length")


def _gap(values: np.ndarray, index: int, order: list[int]) -> float:
    """values[index] minus the best value among the others (order: best first)."""
    other = next((j for j in order if j != index), None)
    return float(values[index] - (values[other] if other is not None else 0.0))


def _top2(values: np.ndarray) -> list[int]:
    """Indices of the two largest values, largest first (without sorting everything)."""
    if len(values) <= 2:
        return [int(i) for i in np.argsort(-values, kind="stable")]
    pair = np.argpartition(-values, 1)[:2]
    return [int(i) for i in pair[np.argsort(-values[pair], kind="stable")]]


def _ranks(values: np.ndarray, candidates: list[int]) -> dict[int, int]:
    """1-based rank of each candidate among all articles (ties share the better rank)."""
    return {i: 1 + int(np.count_nonzero(values > values[i])) for i in candidates}


def feature_rows(
    candidates: list[int],
    *,
    lexical: np.ndarray,
    coverage: list[float],
    head_coverage: list[float],
    unknown: float,
    length: int,
    semantic: np.ndarray | None,
) -> np.ndarray:
    """One row per candidate, columns as HYBRID_FEATURES (with `semantic`, the (asked,
    answer) similarity rows of `Answerer._semantic_scores`) or LEXICAL_FEATURES."""
    best_lex = float(lexical.max()) if len(lexical) else 0.0
    lex_order = _top2(lexical)
    length_feature = math.log1p(length)
    rows: list[list[float]] = []
    if semantic is None:
        for i, cov, head in zip(candidates, coverage, head_coverage, strict=True):
            rel = float(lexical[i]) / best_lex if best_lex > 0 else 0.0
            gap = _gap(lexical, i, lex_order) / best_lex if best_lex > 0 else 0.0
            rows.append([cov, head, rel, gap, unknown, length_feature])
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(LEXICAL_FEATURES))
    asked, answer, top3 = semantic
    best = np.maximum(asked, answer)
    sem_order = _top2(best)
    sem_rank = _ranks(best, candidates)
    lex_rank = _ranks(lexical, candidates)
    background, spread = float(best.mean()), float(best.std()) or 1.0
    for i, cov, head in zip(candidates, coverage, head_coverage, strict=True):
        rel = float(lexical[i]) / best_lex if best_lex > 0 else 0.0
        gap = _gap(lexical, i, lex_order) / best_lex if best_lex > 0 else 0.0
        rows.append(
            [
                float(best[i]),
                (float(best[i]) - background) / spread,
                _gap(best, i, sem_order),
                float(answer[i]),
                float(top3[i]),
                1.0 / sem_rank[i],
                1.0 / lex_rank[i],
                cov,
                head,
                rel,
                gap,
                unknown,
                length_feature,
            ]
        )
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(HYBRID_FEATURES))
