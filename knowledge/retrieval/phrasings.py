"""Every article's title and phrasings as index terms, analysed once when the lexical index
is built and kept in flat arrays, for the *phrasing fit* (`lexical.py`'s docstring).

Why precomputed and flat: analysing an article's phrasings the first time it is a
candidate put compound splitting and spelling variants on the question path (at 10,000
articles the lexical p99 went from 1.4 to about 9 ms of CPU until every article had been
seen), and one Python set per phrasing and per word cost about 46 MB there. Here the
analysis runs with the rest of the index build, is stored in the lexical index cache
(`lexical_cache.py`) and a start loads a handful of numpy arrays: per article its
phrasings, per phrasing its content words, per word its index terms (as ids into this
table's own term list: a title's compound parts need not be terms of the BM25 index).

A fit finds, with numpy, the candidates' term entries the question has (a few dozen of
some thousand), then adds up in Python only for the phrasings those belong to, every sum
in the definition's order (question words in order, a phrasing's words in order), so the
result is bit for bit the set-based definition's (`tests/knowledge/test_phrasing_table.py`
checks it). At 10,000 articles a fit costs about 0.25 ms, as the set-based one did once
every phrasing had been analysed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np


def _ranges(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The concatenated ranges start..end, and for each element the range it is in."""
    counts = ends - starts
    owner = np.repeat(np.arange(len(starts)), counts)
    first = np.cumsum(counts) - counts
    return starts[owner] + (np.arange(len(owner)) - first[owner]), owner


class PhrasingTable:
    """Titles and phrasings of one language's articles, as flat arrays.

    `article_ptr[i]:article_ptr[i+1]` are article i's phrasings, `phrasing_ptr[p]:...` a
    phrasing's content words (units), `unit_ptr[u]:...` a word's term ids in `unit_terms`,
    `unit_weight[u]` the word's idf (its most specific term's), `total[p]` the sum of a
    phrasing's word idfs, added in order."""

    def __init__(
        self,
        terms: Sequence[str],
        article_ptr: Iterable[int],
        phrasing_ptr: Iterable[int],
        unit_ptr: Iterable[int],
        unit_terms: Iterable[int],
        unit_weight: Iterable[float],
        total: Iterable[float],
    ) -> None:
        self.terms = list(terms)
        self.term_ids = {t: i for i, t in enumerate(self.terms)}
        self.article_ptr = np.asarray(article_ptr, dtype=np.int32)
        self.phrasing_ptr = np.asarray(phrasing_ptr, dtype=np.int32)
        self.unit_ptr = np.asarray(unit_ptr, dtype=np.int32)
        self.unit_terms = np.asarray(unit_terms, dtype=np.int32)
        self.unit_weight = np.asarray(unit_weight, dtype=np.float64)
        self.total = np.asarray(total, dtype=np.float64)
        ends = (self.article_ptr[-1:], self.phrasing_ptr[-1:], self.unit_ptr[-1:])
        sizes = (len(self.total), len(self.unit_weight), len(self.unit_terms))
        if [e.tolist() for e in ends] != [[n] for n in sizes] or (
            len(self.phrasing_ptr) != len(self.total) + 1
            or len(self.unit_ptr) != len(self.unit_weight) + 1
        ):
            raise ValueError("phrasing table arrays that do not fit together")
        # derived, not stored: an article's term entries are contiguous (its first
        # phrasing's first word's first entry onwards), each entry's word, each word's
        # phrasing
        self._article_entry = self.unit_ptr[self.phrasing_ptr[self.article_ptr]]
        self._entry_unit = np.repeat(
            np.arange(len(self.unit_weight), dtype=np.int32), np.diff(self.unit_ptr)
        )
        self._unit_phrasing = np.repeat(
            np.arange(len(self.total), dtype=np.int32), np.diff(self.phrasing_ptr)
        )

    @classmethod
    def build(
        cls,
        phrasings: Sequence[Sequence[str]],
        content_words: Callable[[str], list[str]],
        expand_word: Callable[[str], Iterable[str]],
        idf: Mapping[str, float],
    ) -> PhrasingTable:
        """Per article its texts (title, then phrasings); a text without content words
        is left out, a word's terms are its `expand_word` terms without repeats."""
        ids: dict[str, int] = {}
        article_ptr, phrasing_ptr, unit_ptr = [0], [0], [0]
        unit_terms: list[int] = []
        unit_weight: list[float] = []
        total: list[float] = []
        for texts in phrasings:
            for text in texts:
                units = []
                for word in content_words(text):
                    terms = list(dict.fromkeys(expand_word(word)))
                    units.append((terms, max(idf.get(t, 0.0) for t in terms)))
                if not units:
                    continue
                for terms, weight in units:
                    unit_terms.extend(ids.setdefault(t, len(ids)) for t in terms)
                    unit_ptr.append(len(unit_terms))
                    unit_weight.append(weight)
                phrasing_ptr.append(len(unit_weight))
                total.append(sum(w for _, w in units))
            article_ptr.append(len(total))
        return cls(list(ids), article_ptr, phrasing_ptr, unit_ptr, unit_terms, unit_weight, total)

    def state(self) -> dict[str, Any]:
        """JSON-ready (floats as Python floats: they survive JSON exactly)."""
        return {
            "terms": self.terms,
            "article_ptr": self.article_ptr.tolist(),
            "phrasing_ptr": self.phrasing_ptr.tolist(),
            "unit_ptr": self.unit_ptr.tolist(),
            "unit_terms": self.unit_terms.tolist(),
            "unit_weight": self.unit_weight.tolist(),
            "total": self.total.tolist(),
        }

    @classmethod
    def restore(cls, state: Mapping[str, Any]) -> PhrasingTable:
        return cls(
            state["terms"],
            state["article_ptr"],
            state["phrasing_ptr"],
            state["unit_ptr"],
            state["unit_terms"],
            state["unit_weight"],
            state["total"],
        )

    def fit(
        self,
        slots: Sequence[tuple[float, Sequence[str]]],
        candidates: Sequence[int],
        precision_only: bool = False,
    ) -> list[float]:
        """Per candidate article, the best F1 over its phrasings of recall (the weighted
        share of the question's `slots` (weight, terms) a phrasing has) and precision (the
        idf share of the phrasing's words the question has); 0.0 when none shares a term.
        `precision_only`: the best precision (how much of one way of asking for the
        article the question contains, however many other words it has)."""
        total = sum(weight for weight, _ in slots)
        if total <= 0 or not len(candidates):
            return [0.0] * len(candidates)
        # the question's terms this table knows, and the slots each is in (as bits)
        asked: dict[int, int] = {}
        for j, (_, terms) in enumerate(slots):
            for term in terms:
                found_id = self.term_ids.get(term)
                if found_id is not None:
                    asked[found_id] = asked.get(found_id, 0) | 1 << j
        if not asked:
            return [0.0] * len(candidates)
        asked_ids = np.array(sorted(asked), dtype=np.int32)
        # the candidates' term entries (contiguous per article) that the question has
        chosen = np.asarray(candidates, dtype=np.int64)
        entries, article_of = _ranges(self._article_entry[chosen], self._article_entry[chosen + 1])
        terms = self.unit_terms[entries]
        position = np.minimum(np.searchsorted(asked_ids, terms), len(asked_ids) - 1)
        hit = np.flatnonzero(asked_ids[position] == terms)
        if not len(hit):
            return [0.0] * len(candidates)
        units = self._entry_unit[entries[hit]]
        # per phrasing with a shared term: the slots it has, the idf of its words that were
        # asked (added in the phrasing's order: units ascend within a phrasing)
        in_slots: dict[int, int] = {}
        owner: dict[int, int] = {}
        for phrasing, term, article in zip(
            self._unit_phrasing[units].tolist(),
            terms[hit].tolist(),
            article_of[hit].tolist(),
            strict=True,
        ):
            in_slots[phrasing] = in_slots.get(phrasing, 0) | asked[term]
            owner[phrasing] = article
        used: dict[int, float] = {}
        distinct = np.unique(units)
        for phrasing, weight in zip(
            self._unit_phrasing[distinct].tolist(), self.unit_weight[distinct].tolist(), strict=True
        ):
            used[phrasing] = used.get(phrasing, 0) + weight
        weights = [weight for weight, _ in slots]
        found_of: dict[int, float] = {}  # question words in order, per set of slots
        best = [0.0] * len(candidates)
        touched = list(in_slots)
        for phrasing, phrasing_total in zip(touched, self.total[touched].tolist(), strict=True):
            bits = in_slots[phrasing]
            found = found_of.get(bits)
            if found is None:
                found = found_of[bits] = sum(w for j, w in enumerate(weights) if bits >> j & 1)
            if found > 0 and used[phrasing] > 0:
                recall, precision = found / total, used[phrasing] / phrasing_total
                article = owner[phrasing]
                value = (
                    precision if precision_only else 2 * recall * precision / (recall + precision)
                )
                best[article] = max(best[article], value)
        return best
