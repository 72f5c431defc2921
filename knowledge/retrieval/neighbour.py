"""The labelled-question neighbour vote (`neighbour`, round 8's variant, shipped in round 13).

`knn` (`semantic.py`) is an article's share of the question's `KNN` nearest titles and
phrasings. `neighbour` is the same vote with the labelled on-topic calibration questions
among the voters: per candidate, its share of the question's `KNN` nearest among all
titles, phrasings and labelled on-topic questions (a question labelled with two articles
votes for both). How people really asked counts beside how the articles put it.

The voters are labelled questions, so calibration stacks the feature like `domain`
(`calibrate.py`): a question's value comes from the other folds' labelled questions only.
The shipped model keeps the labelled questions' vectors beside the negatives already
(`domain.py`, the offer model's positives) and, with them, each one's article ids; the
answerer reads the vote from the `KNN` nearest texts the semantic index found anyway and
one product with those vectors (no encoder call). Evaluated in bench/lexical_features.py
(variant `neighbour`, docs/performance.md "Round 11b").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from knowledge.retrieval.semantic import KNN, SemanticIndex

NEIGHBOUR_FEATURE = "neighbour"


def vote(
    near: np.ndarray,
    near_ids: Sequence[str],
    to_known: np.ndarray,
    known_ids: Sequence[str],
    ids: Sequence[str],
) -> np.ndarray:
    """Per candidate (`ids`), its share of the `KNN` nearest of the question's nearest
    titles and phrasings (`near`: cosines, `near_ids`: their articles; at least the
    `KNN` nearest of them) and the labelled questions (`to_known`, `known_ids`: one
    entry per question and article)."""
    sims = np.concatenate([np.asarray(near, np.float64), np.asarray(to_known, np.float64)])
    owners = [*near_ids, *known_ids]
    k = min(KNN, len(sims))
    top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else range(len(sims))
    votes = Counter(owners[j] for j in top)
    return np.array([votes.get(a, 0) / KNN for a in ids], dtype=np.float64)


def pairs(labels: Sequence[Sequence[str]]) -> tuple[np.ndarray, tuple[str, ...]]:
    """(row, article id) per labelled question and article: a question labelled with two
    articles is two voters with one vector."""
    found = [(r, a) for r, articles in enumerate(labels) for a in articles]
    return np.array([r for r, _ in found], np.int64), tuple(a for _, a in found)


@dataclass(frozen=True)
class LabelledVectors:
    """What a stacked feature that reads labelled questions is computed from, by question
    index (`calibrate.Stacked`): each question's vector, its right articles (empty:
    off-topic or small talk) and its candidates' ids; the base's titles and phrasings
    (vectors, article id per row)."""

    vectors: np.ndarray
    articles: Sequence[tuple[str, ...]]
    ids: Sequence[tuple[str, ...]]
    texts: np.ndarray
    text_ids: Sequence[str]


@dataclass(frozen=True)
class NeighbourData(LabelledVectors):
    """The neighbour vote's data: the labelled questions vote beside the texts."""

    @cached_property
    def _near(self) -> list[tuple[np.ndarray, list[str]]]:
        """Per question, its `KNN` nearest titles and phrasings: cosines and articles."""
        to_texts = np.asarray(self.vectors, np.float32) @ np.asarray(self.texts, np.float32).T
        k = min(KNN, to_texts.shape[1])
        out = []
        for row in to_texts.astype(np.float64):
            top = np.argpartition(-row, k - 1)[:k] if k < len(row) else np.arange(len(row))
            out.append((row[top], [self.text_ids[j] for j in top]))
        return out

    @cached_property
    def _between(self) -> np.ndarray:
        stored = np.asarray(self.vectors, np.float16).astype(np.float32)  # as shipped
        return np.asarray(np.asarray(self.vectors, np.float32) @ stored.T, dtype=np.float64)

    def known(self, train: Sequence[int]) -> tuple[list[int], list[str]]:
        """(question, article) rows of the labelled questions among `train`."""
        found = [(i, a) for i in train for a in self.articles[i]]
        return [i for i, _ in found], [a for _, a in found]

    def __call__(self, train: Sequence[int], target: Sequence[int]) -> list[np.ndarray]:
        rows, known_ids = self.known(train)
        return [
            vote(*self._near[t], self._between[t, rows], known_ids, self.ids[t]) for t in target
        ]


def over_index(
    index: SemanticIndex,
    vectors: np.ndarray,
    labels: Sequence[tuple[str, ...]],
    ids: Sequence[tuple[str, ...]],
) -> NeighbourData:
    """The calibration questions' data (`vectors`, right articles `labels`, candidates
    `ids`) with the index's titles and phrasings, as the answerer reads them."""
    asked = index.asked_index
    text_ids = [index.ids[g] for g in index.group[asked]]
    return NeighbourData(vectors, labels, ids, index.units[asked], text_ids)
