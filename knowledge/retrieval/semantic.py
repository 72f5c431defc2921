"""The semantic signal: one vector index over both languages, grouped by article id.

Articles are parallel by id (`sv/right-of-access.md` and `en/right-of-access.md` answer the
same question), and the encoder is multilingual, so a Swedish question may sit closest to
an English phrasing of the right article and the other way round. The index therefore
holds every embedded text of both languages (title and phrasings as "query: ", the direct
answer as "passage: "), each row tagged with its article id; a question is compared with
all of them once (one matrix-vector product), and the similarities are read per article:

- `asked`, `answer`, `top3`: as in the first round, over the texts of the article in the
  version the asker's pool holds (its own language, else the other): nearest title or
  phrasing, the direct answer, the mean of the three nearest phrasings;
- `x_asked`, `x_answer`, `x_top3`: the same over both languages' texts of the id;
- `x_mean`: the mean similarity over all its titles and phrasings (both languages): how
  close the question is to the article as a whole rather than to its luckiest phrasing;
- `knn`: the share of the question's `KNN` nearest titles and phrasings (of the whole
  index) that belong to the article: a nearest-neighbour vote, which an article wins only
  when several of its phrasings, not one, are among the closest texts.

Cost per question at 10,000 articles (about 70,000 texts, docs/performance.md): the one
matrix-vector product dominates (it reads every vector: memory-bound); everything read from
its result is kept to a few passes over it. Per-article maxima come from the maxima of
*runs* (the rows of one id, language and kind are contiguous), and the mean of the three
nearest phrasings, which needs a sort per article, is computed only for the candidates the
answerer asks about (`Reading.complete`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.model import Article
from knowledge.retrieval.vectors import Unit, VectorStore, article_units

# Neighbours in the vote: the k of a k-nearest-neighbour vote is commonly about the square
# root of the number of examples per class (here 12-17 phrasings per article and language,
# 25-35 for both: sqrt ≈ 5) doubled so that two languages' phrasings can both vote.
KNN = 10
_NONE = -2.0  # below any cosine: "this article has no text of that kind"

SEMANTIC_SCORES = ("asked", "answer", "top3", "x_asked", "x_answer", "x_top3", "x_mean", "knn")


@dataclass(frozen=True)
class PoolView:
    """How one language's pool reads the index: the id row of each pool article, and which
    index rows are the pool's own version of their article."""

    group: np.ndarray  # per pool article: its id's position in the index
    own: np.ndarray  # per index row: True when it belongs to the pool's version
    own_asked: np.ndarray  # per pool article: its own title/phrasing rows, padded with -1
    own_runs: np.ndarray  # per run of rows (`SemanticIndex`): the pool's version's


@dataclass(frozen=True)
class Reading:
    """One question read through one pool: every score of `SEMANTIC_SCORES` but the two
    means of the three nearest phrasings, which `complete` adds for the articles wanted."""

    scores: dict[str, np.ndarray]
    sims: np.ndarray  # per index row: cosine similarity to the question
    view: PoolView
    asked_rows: np.ndarray  # per id: both languages' title/phrasing rows (`SemanticIndex`)
    query: np.ndarray  # the question's vector (the domain classifier reads it too)
    near: np.ndarray  # cosines of its `KNN` nearest titles and phrasings
    near_ids: tuple[str, ...]  # their articles (the neighbour vote, `neighbour.py`)

    def complete(self, articles: Sequence[int] | None = None) -> dict[str, np.ndarray]:
        """All of `SEMANTIC_SCORES`; with `articles` (pool positions), `top3` and `x_top3`
        only there (NaN elsewhere: a per-article sort is the costliest read of all)."""
        view = self.view
        if articles is None:
            top3 = _top3(self.sims, view.own_asked)
            x_top3 = _top3(self.sims, self.asked_rows[view.group])
        else:
            rows = np.asarray(articles, dtype=np.int64)
            top3 = np.full(len(view.group), np.nan)
            x_top3 = np.full(len(view.group), np.nan)
            if len(rows):
                top3[rows] = _top3(self.sims, view.own_asked[rows])
                x_top3[rows] = _top3(self.sims, self.asked_rows[view.group[rows]])
        return {**self.scores, "top3": top3, "x_top3": x_top3}


class SemanticIndex:
    """Every embedded text of every article, both languages, grouped by id."""

    def __init__(self, articles: Sequence[Article], vectors: VectorStore) -> None:
        by_id: dict[str, list[Article]] = {}
        for article in articles:
            by_id.setdefault(article.id, []).append(article)
        self.ids = sorted(by_id)
        self.position = {article_id: i for i, article_id in enumerate(self.ids)}
        units: list[Unit] = []
        langs: list[str] = []
        group: list[int] = []
        starts: list[int] = []
        for i, article_id in enumerate(self.ids):
            starts.append(len(units))
            for article in sorted(by_id[article_id], key=lambda a: a.lang):
                own = article_units(article)
                units.extend(own)
                langs.extend([article.lang] * len(own))
                group.extend([i] * len(own))
        self.units = vectors.matrix(units)  # may raise EncoderError
        self.langs = np.array(langs)
        self.group = np.array(group, dtype=np.int64)
        self.starts = np.array(starts, dtype=np.int64)
        self.passage = np.array([u.kind == "passage" for u in units], dtype=bool)
        self.asked_rows = _padded(self.group, ~self.passage, len(self.ids))
        counts = np.bincount(self.group[~self.passage], minlength=len(self.ids))
        self.asked_count = np.maximum(counts, 1)
        self.asked_index = np.flatnonzero(~self.passage)
        # Runs: maximal stretches of rows of one id, language and kind (an id's rows are
        # contiguous, by language, the passage last). A per-article maximum over any of
        # those kinds is the maximum of its runs' maxima: one pass over the rows, then a
        # few over the (about 3.5x fewer) runs instead of four passes over all rows.
        change = np.ones(len(units), dtype=bool)
        change[1:] = (
            (self.group[1:] != self.group[:-1])
            | (self.langs[1:] != self.langs[:-1])
            | (self.passage[1:] != self.passage[:-1])
        )
        self.run_starts = np.flatnonzero(change)
        self.run_group = self.group[self.run_starts]
        self.run_langs = self.langs[self.run_starts]
        self.run_passage = self.passage[self.run_starts]
        self.run_group_starts = np.searchsorted(self.run_group, np.arange(len(self.ids)))

    def view(self, articles: Sequence[Article]) -> PoolView:
        """The reading of a pool (its articles in order, one version per id)."""
        group = np.array([self.position[a.id] for a in articles], dtype=np.int64)
        version = np.array([""] * len(self.ids), dtype=self.langs.dtype)
        for article, i in zip(articles, group, strict=True):
            version[i] = article.lang
        own = self.langs == version[self.group]
        padded = _padded(self.group, own & ~self.passage, len(self.ids))
        own_runs = self.run_langs == version[self.run_group]
        return PoolView(group, own, padded[group], own_runs)

    def scores(self, query: np.ndarray, view: PoolView) -> dict[str, np.ndarray]:
        """Per pool article, each of `SEMANTIC_SCORES` for one query vector."""
        return self.read(query, view).complete()

    def read(self, query: np.ndarray, view: PoolView) -> Reading:
        """The question compared with every text (one matrix-vector product), read per
        pool article; `Reading.complete` adds the means of the nearest three."""
        sims = _similarities(self.units, query)
        run_max = np.maximum.reduceat(sims, self.run_starts)
        asked_runs = ~self.run_passage

        def best(mask: np.ndarray) -> np.ndarray:
            masked = np.where(mask, run_max, _NONE)
            return np.asarray(np.maximum.reduceat(masked, self.run_group_starts))

        own_asked = best(view.own_runs & asked_runs)
        own_answer = best(view.own_runs & self.run_passage)
        x_asked = best(asked_runs)
        x_answer = best(self.run_passage)
        asked_mask = ~self.passage
        x_mean = np.add.reduceat(np.where(asked_mask, sims, 0.0), self.starts) / self.asked_count
        candidates = self.asked_index
        k = min(KNN, len(candidates))
        nearest = candidates[np.argpartition(-sims[candidates], k - 1)[:k]] if k else candidates
        knn = np.bincount(self.group[nearest], minlength=len(self.ids)) / max(k, 1)
        g = view.group
        scores = {
            "asked": own_asked[g],
            "answer": np.where(own_answer > _NONE, own_answer, own_asked)[g],
            "x_asked": x_asked[g],
            "x_answer": np.where(x_answer > _NONE, x_answer, x_asked)[g],
            "x_mean": x_mean[g],
            "knn": knn[g],
        }
        near_ids = tuple(self.ids[g] for g in self.group[nearest])
        return Reading(scores, sims, view, self.asked_rows, query, sims[nearest], near_ids)


def _similarities(units: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosine similarity of the query with every row (all unit vectors), as float64.

    `einsum` rather than `units @ query`: the product reads every vector once (about
    100 MB at 70,000 texts) and is bound by memory, not arithmetic. numpy hands `@` to
    OpenBLAS, which splits it over both cores of a 2-core machine and spins while it
    waits; measured at 10,000 articles under load 8-12 (docs/performance.md) that cost
    22 ms of process CPU per question, one OpenBLAS thread 16-17 ms, and einsum's own
    single-threaded loop 13 ms, with the same results to within float32 rounding."""
    return np.einsum("ij,j->i", units, query).astype(np.float64)


def _padded(group: np.ndarray, mask: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the rows where `mask` holds, padded with -1 to the longest."""
    rows: list[list[int]] = [[] for _ in range(n_groups)]
    for r in np.flatnonzero(mask):
        rows[int(group[r])].append(int(r))
    width = max((len(r) for r in rows), default=1) or 1
    return np.array([r + [-1] * (width - len(r)) for r in rows], dtype=np.int64)


def _top3(sims: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean of the three largest similarities among each line's rows (-1: none)."""
    padded = np.append(sims, -np.inf)[rows]
    top = -np.sort(-padded, axis=1)[:, :3]
    finite = np.isfinite(top)
    counts = finite.sum(axis=1)
    total = np.where(finite, top, 0.0).sum(axis=1)
    return np.where(counts > 0, total / np.maximum(counts, 1), _NONE)
