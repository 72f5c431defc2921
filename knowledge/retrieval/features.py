"""The features the confidence model reads, for one candidate article of one question.

Every feature is relative to what the question and the whole index offer, so the same
weights hold for a base of 60 articles or 10,000:

- `sem`: cosine similarity between the question and the article's nearest text (title,
  a phrasing or the direct answer), multilingual-e5-small;
- `sem_gap`: `sem` minus the best other article's (> 0 only for the semantic winner);
- `coverage`: idf-weighted share of the question's words the article has (unknown words
  weigh like the rarest word; see `lexical.py`);
- `lex_rel`: BM25 score / the best BM25 score for the question;
- `lex_gap`: (BM25 − the best other article's) / the best;
- `unknown`: share of the question's words the whole knowledge base never uses;
- `agree`: 1 when the article is the top of both signals (lexical models: `lex_top`,
  1 when it is the BM25 winner);
- `length`: log(1 + number of meaningful words): one-word questions are judged differently.
"""

from __future__ import annotations

import math

import numpy as np

HYBRID_FEATURES = ("sem", "sem_gap", "coverage", "lex_rel", "lex_gap", "unknown", "agree", "length")
LEXICAL_FEATURES = ("coverage", "lex_rel", "lex_gap", "unknown", "lex_top", "length")


def _gap(values: np.ndarray, index: int, order: list[int]) -> float:
    """values[index] minus the best value among the others (order: best first)."""
    other = next((j for j in order if j != index), None)
    return float(values[index] - (values[other] if other is not None else 0.0))


def feature_rows(
    candidates: list[int],
    *,
    lexical: np.ndarray,
    coverage: list[float],
    unknown: float,
    length: int,
    semantic: np.ndarray | None,
) -> np.ndarray:
    """One row per candidate, columns as HYBRID_FEATURES (semantic given) or LEXICAL_FEATURES."""
    best_lex = float(lexical.max()) if len(lexical) else 0.0
    lex_order = [int(i) for i in np.argsort(-lexical, kind="stable")[:2]]
    lex_top = lex_order[0] if best_lex > 0 else -1
    length_feature = math.log1p(length)
    rows: list[list[float]] = []
    if semantic is None:
        for i, cov in zip(candidates, coverage, strict=True):
            rel = float(lexical[i]) / best_lex if best_lex > 0 else 0.0
            gap = _gap(lexical, i, lex_order) / best_lex if best_lex > 0 else 0.0
            rows.append([cov, rel, gap, unknown, float(i == lex_top), length_feature])
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(LEXICAL_FEATURES))
    sem_order = [int(i) for i in np.argsort(-semantic, kind="stable")[:2]]
    for i, cov in zip(candidates, coverage, strict=True):
        rel = float(lexical[i]) / best_lex if best_lex > 0 else 0.0
        gap = _gap(lexical, i, lex_order) / best_lex if best_lex > 0 else 0.0
        agree = float(i == lex_top and i == sem_order[0])
        rows.append(
            [
                float(semantic[i]),
                _gap(semantic, i, sem_order),
                cov,
                rel,
                gap,
                unknown,
                agree,
                length_feature,
            ]
        )
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(HYBRID_FEATURES))
