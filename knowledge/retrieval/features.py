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

Round 2 adds the same similarities read over both languages' texts of an article (one
index, `semantic.py`): `xsem`, `xsem_z`, `xsem_gap`, `xsem_answer`, `xsem_top3`,
`xsem_rr`; `xsem_mean` (mean over all its phrasings), `knn` (its share of the question's
nearest phrasings) and `rrf` (reciprocal rank fusion of the lexical and cross-lingual
semantic ranks, 1/(60 + rank) each: the k = 60 of Cormack, Clarke & Büttcher 2009).
Round 3 adds `phrase_fit` to the lexical model (`lexical.py`; tried in the hybrid model
too, where it was level): the best idf-weighted F1 between the question's
words and one of the article's title or phrasings. Coverage only asks whether the article
has the question's words; phrase_fit also asks whether the question has the phrasing's,
so a short general question prefers the article whose phrasings are as general over one
whose phrasings all add a qualifier ("... but has invoices with us").
Round 6 adds `domain` to the hybrid model (`domain.py`): the question's cosine to the
nearest text of the base minus its cosine to the nearest off-topic calibration question;
one value per question, like `unknown` and `length`. Its negatives are labelled
questions, so calibration computes it out of fold (stacked, `calibrate.py`).
Round 13 adds `neighbour` (`neighbour.py`): `knn` with the labelled on-topic calibration
questions among the voters, per candidate; stacked in calibration like `domain`.
A fitted model names the features it reads; `ALL_HYBRID_FEATURES` is what can be computed
from a question and the index alone (`domain` and `neighbour` also need the fitted model's
labelled questions).
"""

from __future__ import annotations

import math

import numpy as np

from knowledge.retrieval.domain import DOMAIN_FEATURE
from knowledge.retrieval.neighbour import NEIGHBOUR_FEATURE

ALL_HYBRID_FEATURES = (
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
    "xsem",
    "xsem_z",
    "xsem_gap",
    "xsem_answer",
    "xsem_top3",
    "xsem_rr",
    "xsem_mean",
    "knn",
    "rrf",
    "phrase_fit",
)
# Round 1's model read the first 13 with `sem*` over the asker's language only. Round 2
# (chosen by repeated nested cross-validation on the calibration questions, see
# docs/performance.md): the similarities over both languages, plus the mean over
# phrasings, the neighbour vote and reciprocal rank fusion. Round 3 tried `phrase_fit`
# here too: level on cross-validation and on the held-out sets, so it was left out.
# Round 6 adds the nearest-negative margin `domain` (repeated nested, stacked
# cross-validation, bench/domain.py; a linear domain classifier was the other candidate).
HYBRID_FEATURES = (
    "xsem",
    "xsem_z",
    "xsem_gap",
    "xsem_answer",
    "xsem_top3",
    "xsem_rr",
    "lex_rr",
    "coverage",
    "head_coverage",
    "lex_rel",
    "lex_gap",
    "unknown",
    "length",
    "knn",
    "xsem_mean",
    "rrf",
    DOMAIN_FEATURE,
    NEIGHBOUR_FEATURE,
)
# Round 3 adds `phrase_fit` to the lexical model (repeated nested cross-validation, see
# docs/performance.md: about 3 points more right answers without the semantic signal).
LEXICAL_FEATURES = (
    "coverage",
    "head_coverage",
    "lex_rel",
    "lex_gap",
    "unknown",
    "length",
    "phrase_fit",
)
RRF_K = 60  # reciprocal rank fusion's constant (Cormack, Clarke & Büttcher 2009)


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


def _similarity_columns(
    prefix: str,
    candidates: list[int],
    asked: np.ndarray,
    answer: np.ndarray,
    top3: np.ndarray,
) -> tuple[dict[str, list[float]], dict[int, int]]:
    best = np.maximum(asked, answer)
    order = _top2(best)
    rank = _ranks(best, candidates)
    background, spread = float(best.mean()), float(best.std()) or 1.0
    columns = {
        prefix: [float(best[i]) for i in candidates],
        f"{prefix}_z": [(float(best[i]) - background) / spread for i in candidates],
        f"{prefix}_gap": [_gap(best, i, order) for i in candidates],
        f"{prefix}_answer": [float(answer[i]) for i in candidates],
        f"{prefix}_top3": [float(top3[i]) for i in candidates],
        f"{prefix}_rr": [1.0 / rank[i] for i in candidates],
    }
    return columns, rank


def feature_rows(
    candidates: list[int],
    *,
    lexical: np.ndarray,
    coverage: list[float],
    head_coverage: list[float],
    unknown: float,
    length: int,
    semantic: dict[str, np.ndarray] | None,
    names: tuple[str, ...] | None = None,
    phrase_fit: list[float] | None = None,
    domain: float | None = None,
    neighbour: list[float] | None = None,
) -> np.ndarray:
    """One row per candidate, one column per name in `names` (default: HYBRID_FEATURES
    with `semantic`, the per-article scores of `SemanticIndex.scores`, else
    LEXICAL_FEATURES); `domain`, the nearest-negative margin, and `neighbour`, the labelled
    questions' vote per candidate (`neighbour.py`), when the model reads them."""
    names = names or (HYBRID_FEATURES if semantic is not None else LEXICAL_FEATURES)
    best_lex = float(lexical.max()) if len(lexical) else 0.0
    lex_order = _top2(lexical)
    lex_rank = _ranks(lexical, candidates)
    n = len(candidates)
    columns: dict[str, list[float]] = {
        "coverage": list(coverage),
        "head_coverage": list(head_coverage),
        "lex_rel": [float(lexical[i]) / best_lex if best_lex > 0 else 0.0 for i in candidates],
        "lex_gap": [
            _gap(lexical, i, lex_order) / best_lex if best_lex > 0 else 0.0 for i in candidates
        ],
        "unknown": [unknown] * n,
        "length": [math.log1p(length)] * n,
        "lex_rr": [1.0 / lex_rank[i] for i in candidates],
    }
    if phrase_fit is not None:
        columns["phrase_fit"] = list(phrase_fit)
    if domain is not None:
        columns[DOMAIN_FEATURE] = [domain] * n
    if neighbour is not None:
        columns[NEIGHBOUR_FEATURE] = list(neighbour)
    if semantic is not None:
        own, _ = _similarity_columns(
            "sem", candidates, semantic["asked"], semantic["answer"], semantic["top3"]
        )
        both, x_rank = _similarity_columns(
            "xsem", candidates, semantic["x_asked"], semantic["x_answer"], semantic["x_top3"]
        )
        columns |= own | both
        columns["xsem_mean"] = [float(semantic["x_mean"][i]) for i in candidates]
        columns["knn"] = [float(semantic["knn"][i]) for i in candidates]
        columns["rrf"] = [
            1.0 / (RRF_K + lex_rank[i]) + 1.0 / (RRF_K + x_rank[i]) for i in candidates
        ]
    matrix = np.array([columns[name] for name in names], dtype=np.float64).T
    return matrix.reshape(n, len(names))
