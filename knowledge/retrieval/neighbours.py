"""How people asked for an article before: the labelled-neighbour vote, `neighbour`,
read by the hybrid confidence model.

An article's titles and phrasings are how its writer imagined the question; the on-topic
calibration questions are how people asked it (each labelled with its right articles). The
semantic index's `knn` already lets an article's phrasings vote: its share of the
question's `KNN` nearest titles and phrasings. `neighbour` is the same vote with the
labelled questions among the voters: the candidate's share of the question's `KNN`
nearest texts among all titles, phrasings and labelled questions (a question labelled
with two articles votes for both). An article nobody labelled still gets its phrasings'
votes, so the feature means the same for a base of 60 articles or 10,000. The weight is
fitted with the others; the labelled questions are data, kept with the fitted model as
their "query: " vectors (float16) and article ids, never their text.

Labelled questions are what the model is fitted on, so in calibration the feature is
stacked exactly like `domain` (`calibrate.py`, `folds.py`): a question's value comes from
the labelled questions of other folds only (else every question would find itself at
cosine 1), and in the nested cross-validation the held-out fold's questions are voters
for nobody. Cost per question: one product with the labelled vectors (a few hundred x
384) and a vote over the `KNN` nearest titles and phrasings the semantic index found
anyway plus the labelled questions.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from knowledge.retrieval.semantic import KNN

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
    `KNN` nearest of them) and the labelled questions (`to_known`, `known_ids`)."""
    sims = np.concatenate([np.asarray(near, np.float64), np.asarray(to_known, np.float64)])
    owners = [*near_ids, *known_ids]
    k = min(KNN, len(sims))
    top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else range(len(sims))
    votes = Counter(owners[j] for j in top)
    return np.array([votes.get(a, 0) / KNN for a in ids], dtype=np.float64)


def digest(vectors: np.ndarray, ids: Sequence[str]) -> str:
    """Content address of the labelled questions (vectors as stored, float16, and ids)."""
    h = hashlib.sha256(np.ascontiguousarray(vectors, np.float16).tobytes())
    h.update("\n".join(ids).encode("utf-8"))
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class NeighbourModel:
    """The labelled on-topic questions' vectors (unit, float16 as stored), one row per
    (question, right article), and where they came from."""

    vectors: np.ndarray = field(compare=False)
    ids: tuple[str, ...] = field(compare=False)
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    @cached_property
    def _matrix(self) -> np.ndarray:
        return np.asarray(self.vectors, dtype=np.float32)

    @property
    def key(self) -> str:
        return digest(self.vectors, self.ids)

    def values(
        self, query: np.ndarray, near: np.ndarray, near_ids: Sequence[str], ids: Sequence[str]
    ) -> np.ndarray:
        """The `neighbour` feature of each candidate (`ids`) of one question vector, given
        its nearest titles and phrasings (`vote`)."""
        to_known = self._matrix @ np.asarray(query, dtype=np.float32)
        return vote(near, near_ids, to_known, self.ids, ids)

    def as_json(self) -> dict[str, Any]:
        count, dim = self.vectors.shape
        return {"questions": count, "dim": dim, "key": self.key, "provenance": self.provenance}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NeighbourModel) and self.key == other.key


def read_neighbours(raw: dict[str, Any], arrays: dict[str, np.ndarray]) -> NeighbourModel:
    key = str(raw["key"])
    if key not in arrays or f"{key}.ids" not in arrays:
        raise ValueError(f"the labelled questions {key} are missing from the vectors file")
    model = NeighbourModel(arrays[key], tuple(str(i) for i in arrays[f"{key}.ids"]))
    model = NeighbourModel(model.vectors, model.ids, dict(raw.get("provenance", {})))
    if model.key != key:
        raise ValueError(f"the labelled questions {key} do not match their digest")
    return model


def neighbour_arrays(model: NeighbourModel) -> dict[str, np.ndarray]:
    """What the vectors file holds for it: the vectors and their article ids."""
    return {
        model.key: np.asarray(model.vectors, np.float16),
        f"{model.key}.ids": np.array(model.ids, dtype=str),
    }


@dataclass(frozen=True)
class NeighbourData:
    """What the feature is computed from, by question index (`calibrate.Stacked`): each
    question's vector, its right articles (empty: off-topic or small talk) and its
    candidates' ids; the base's titles and phrasings (vectors, article id per row)."""

    vectors: np.ndarray
    articles: Sequence[tuple[str, ...]]
    ids: Sequence[tuple[str, ...]]
    texts: np.ndarray
    text_ids: Sequence[str]

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
        pairs = [(i, a) for i in train for a in self.articles[i]]
        return [i for i, _ in pairs], [a for _, a in pairs]

    def __call__(self, train: Sequence[int], target: Sequence[int]) -> list[np.ndarray]:
        rows, known_ids = self.known(train)
        return [
            vote(*self._near[t], self._between[t, rows], known_ids, self.ids[t]) for t in target
        ]

    def shipped(self, train: Sequence[int]) -> NeighbourModel:
        rows, known_ids = self.known(train)
        provenance = {
            "questions": "the on-topic calibration questions' query vectors, one row per "
            "right article",
            "how": "knowledge/retrieval/neighbours.py, stacked in retrieval/calibrate.py",
        }
        return NeighbourModel(
            np.asarray(self.vectors[rows], np.float16), tuple(known_ids), provenance
        )
