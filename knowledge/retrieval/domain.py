"""Is the question about this knowledge base at all? The nearest-negative margin, read by
the hybrid confidence model as one more feature, `domain`.

The other features compare a question with each candidate article; an off-topic question
that uses the base's words ("radera dubbelbokningen i kalendern", "request access to the
shared drive") can look like a fair match to some article by all of them. What tells it
apart is what else it is close to. So the question is compared with two sets of texts in
the same embedding space:

- the knowledge base: every embedded text (titles and phrasings as "query: ", direct
  answers as "passage: "; the semantic index holds them anyway, so this side follows a
  company's own articles);
- the negatives: the off-topic calibration questions (general workplace questions, many
  with data-protection words), their "query: " vectors kept with the fitted model;

and `domain` = cosine to the nearest base text − cosine to the nearest negative. Positive:
the question is closer to something the base says than to any known off-topic question;
negative: it reads like one of those. The confidence model weighs it with the rest (one
value per question, like `unknown` and `length`). Nothing here is a constant: the two
sets are data, the weight is fitted.

Negatives are labelled questions, so in calibration the feature is stacked
(`calibrate.py`): a question's value always comes from negatives without it (k-fold);
otherwise every off-topic question would find itself at cosine 1. Cost per question: the
maximum over the similarities the semantic index computed anyway, and one product with
the negatives (a few hundred x 384).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.retrieval.neighbour import pairs, vote
from knowledge.retrieval.offer import labelled_values

DOMAIN_FEATURE = "domain"


def margin(nearest_text: np.ndarray | float, to_negatives: np.ndarray) -> np.ndarray:
    """Cosine to the nearest base text minus cosine to the nearest negative, per question
    (`to_negatives`: one row per question, one column per negative)."""
    matrix = np.atleast_2d(to_negatives)
    nearest_negative = matrix.max(axis=1) if matrix.shape[1] else np.full(len(matrix), -1.0)
    return np.asarray(nearest_text - nearest_negative, dtype=np.float64)


def digest(
    vectors: np.ndarray,
    positives: np.ndarray | None = None,
    labels: Sequence[Sequence[str]] | None = None,
) -> str:
    """Content address of a negatives matrix (as stored: float16), and of the labelled
    on-topic questions' when there are any (with their article ids when kept)."""
    parts = [vectors] if positives is None else [vectors, positives]
    data = b"".join(np.ascontiguousarray(v, np.float16).tobytes() for v in parts)
    if labels is not None:
        data += "\n".join(",".join(row) for row in labels).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True)
class DomainModel:
    """The negatives' vectors (unit length, float16 as stored) and where they came from;
    since round 9 also the labelled on-topic questions' (`positives`, for the offer model's
    labelled features, `offer.py`); since round 13 their article ids, one tuple per
    positive (`labels`, for the neighbour vote, `neighbour.py`)."""

    negatives: np.ndarray = field(compare=False)
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)
    positives: np.ndarray | None = field(default=None, compare=False)
    labels: tuple[tuple[str, ...], ...] | None = field(default=None, compare=False)

    @cached_property
    def _matrix(self) -> np.ndarray:
        return np.asarray(self.negatives, dtype=np.float32)

    @cached_property
    def _positives(self) -> np.ndarray:
        if self.positives is None:
            return np.zeros((0, self.negatives.shape[1]), np.float32)
        return np.asarray(self.positives, dtype=np.float32)

    @cached_property
    def _voters(self) -> tuple[np.ndarray, tuple[str, ...]]:
        return pairs(self.labels or ())

    @property
    def key(self) -> str:
        return digest(self.negatives, self.positives, self.labels)

    def value(self, query: np.ndarray, nearest_text: float) -> float:
        """The `domain` feature of one question vector."""
        similarities = self._matrix @ np.asarray(query, dtype=np.float32)
        return float(margin(nearest_text, similarities[None, :])[0])

    def labelled(self, query: np.ndarray) -> tuple[float, float]:
        """The offer model's labelled features of one question vector (`offer.py`)."""
        q = np.asarray(query, dtype=np.float32)
        return labelled_values(self._positives @ q, self._matrix @ q)

    def neighbour(
        self, query: np.ndarray, near: np.ndarray, near_ids: Sequence[str], ids: Sequence[str]
    ) -> np.ndarray:
        """The neighbour vote of each candidate (`ids`) for one question vector, from its
        `KNN` nearest titles and phrasings (`near`, `near_ids`) and the labelled questions."""
        rows, known = self._voters
        to_known = self._positives[rows] @ np.asarray(query, dtype=np.float32)
        return vote(near, near_ids, to_known, known, ids)

    def as_json(self) -> dict[str, Any]:
        """What the JSON holds; the vectors go to the negatives file under `key` (the
        positives under `key` + `_positives`)."""
        count, dim = self.negatives.shape
        positives = {} if self.positives is None else {"positives": len(self.positives)}
        labelled = {} if self.labels is None else {"labelled": len(self._voters[1])}
        return (
            {"negatives": count, "dim": dim, "key": self.key}
            | positives
            | labelled
            | {"provenance": self.provenance}
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DomainModel) and self.key == other.key


def negatives_path(models_path: Path) -> Path:
    """The vectors' file beside a confidence file: confidence.json -> confidence.negatives.npz."""
    return models_path.with_name(f"{models_path.stem}.negatives.npz")


def write_negatives(path: Path, models: Sequence[DomainModel]) -> None:
    arrays = {m.key: np.asarray(m.negatives, np.float16) for m in models}
    for m in models:
        if m.positives is not None:
            arrays[f"{m.key}_positives"] = np.asarray(m.positives, np.float16)
        if m.labels is not None:  # article ids only: no question text
            rows, ids = pairs(m.labels)
            arrays[f"{m.key}_label_rows"] = rows
            arrays[f"{m.key}_labels"] = np.array(ids, dtype=np.str_)
    if not arrays:
        path.unlink(missing_ok=True)
        return
    with path.open("wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]


def read_domain(raw: dict[str, Any], vectors: dict[str, np.ndarray]) -> DomainModel:
    key = str(raw["key"])
    if key not in vectors:
        raise ValueError(f"the negatives {key} are missing from the negatives file")
    positives = vectors.get(f"{key}_positives") if "positives" in raw else None
    if "positives" in raw and positives is None:
        raise ValueError(f"the positives of {key} are missing from the negatives file")
    labels = None
    if "labelled" in raw and positives is not None:
        labels = _labels(key, vectors, len(positives))
    model = DomainModel(vectors[key], dict(raw.get("provenance", {})), positives, labels)
    if model.key != key:
        raise ValueError(f"the negatives {key} do not match their digest")
    return model


def _labels(key: str, vectors: dict[str, np.ndarray], count: int) -> tuple[tuple[str, ...], ...]:
    """Per positive, its article ids, from the (row, id) pairs the file keeps."""
    if f"{key}_labels" not in vectors or f"{key}_label_rows" not in vectors:
        raise ValueError(f"the labels of {key} are missing from the negatives file")
    out: list[list[str]] = [[] for _ in range(count)]
    for row, article in zip(vectors[f"{key}_label_rows"], vectors[f"{key}_labels"], strict=True):
        out[int(row)].append(str(article))
    return tuple(tuple(row) for row in out)


def read_negatives(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


@dataclass(frozen=True)
class DomainData:
    """What the feature is computed from, by question index: the base's text vectors and
    the labelled questions' vectors. Called with (training questions, target questions)
    it gives the targets' values with the training questions' negatives only
    (`calibrate.Stacked`)."""

    articles: np.ndarray
    vectors: np.ndarray  # per question, its "query: " vector
    on_topic: np.ndarray
    used: np.ndarray  # False for small talk: refused before any model, never a negative
    labels: Sequence[tuple[str, ...]] | None = None  # per question its right articles

    @cached_property
    def _nearest_text(self) -> np.ndarray:
        return np.asarray(
            (np.asarray(self.vectors, np.float32) @ np.asarray(self.articles, np.float32).T).max(
                axis=1
            ),
            dtype=np.float64,
        )

    @cached_property
    def _between(self) -> np.ndarray:
        stored = np.asarray(self.vectors, np.float16).astype(np.float32)  # as shipped
        return np.asarray(np.asarray(self.vectors, np.float32) @ stored.T, dtype=np.float64)

    def negatives(self, train: Sequence[int]) -> list[int]:
        return [i for i in train if self.used[i] and not self.on_topic[i]]

    def positives(self, train: Sequence[int]) -> list[int]:
        return [i for i in train if self.used[i] and self.on_topic[i]]

    def labelled(self, train: Sequence[int], target: Sequence[int]) -> list[np.ndarray]:
        """The offer model's labelled features of the targets (`offer.labelled_values`)
        from the training questions only (`calibrate.Stacked`)."""
        positives, negatives = self.positives(train), self.negatives(train)
        return [
            np.array(labelled_values(self._between[t, positives], self._between[t, negatives]))
            for t in target
        ]

    def __call__(self, train: Sequence[int], target: Sequence[int]) -> np.ndarray:
        rows = list(target)
        to_negatives = self._between[np.ix_(rows, self.negatives(train))]
        return margin(self._nearest_text[rows], to_negatives)

    def shipped(self, train: Sequence[int]) -> DomainModel:
        """The negatives and positives of `train`, saying what they are."""
        chosen = self.negatives(train)
        provenance = {
            "negatives": "the off-topic calibration questions' query vectors",
            "positives": "the on-topic calibration questions' query vectors (offer.py)",
            "texts": "the knowledge base's embedded texts (the semantic index)",
            "how": "knowledge/retrieval/domain.py, stacked in retrieval/calibrate.py",
        }
        positives = self.positives(train)
        labels = self.labels
        return DomainModel(
            np.asarray(self.vectors[chosen], np.float16),
            provenance | ({"labels": "their article ids (neighbour.py)"} if labels else {}),
            np.asarray(self.vectors[positives], np.float16),
            tuple(tuple(labels[i]) for i in positives) if labels is not None else None,
        )
