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

The fit is computed with numpy over the candidates' phrasings, and every sum is taken in
the same order as the definition's (question words in order, a phrasing's words in
order; adding 0.0 for a word that does not count is exact), so the result is bit for bit
the set-based definition's (`tests/knowledge/test_phrasing_fit.py` checks it).
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
        self.article_ptr = np.asarray(article_ptr, dtype=np.int64)
        self.phrasing_ptr = np.asarray(phrasing_ptr, dtype=np.int64)
        self.unit_ptr = np.asarray(unit_ptr, dtype=np.int64)
        self.unit_terms = np.asarray(unit_terms, dtype=np.int32)
        self.unit_weight = np.asarray(unit_weight, dtype=np.float64)
        self.total = np.asarray(total, dtype=np.float64)
        # a phrasing's term entries are contiguous: its first unit's first entry onwards
        self._entry_ptr = self.unit_ptr[self.phrasing_ptr]
        if (
            len(self.phrasing_ptr) != len(self.total) + 1
            or len(self.unit_ptr) != len(self.unit_weight) + 1
        ):
            raise ValueError("phrasing table arrays of different lengths")

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
        self, slots: Sequence[tuple[float, Sequence[str]]], candidates: Sequence[int]
    ) -> list[float]:
        """Per candidate article, the best F1 over its phrasings of recall (the weighted
        share of the question's `slots` (weight, terms) a phrasing has) and precision (the
        idf share of the phrasing's words the question has); 0.0 when none shares a term."""
        total = sum(weight for weight, _ in slots)
        if total <= 0 or not len(candidates):
            return [0.0] * len(candidates)
        # the question's terms this table knows, sorted, and which slots each belongs to
        asked: dict[int, list[int]] = {}
        for j, (_, terms) in enumerate(slots):
            for term in terms:
                found_id = self.term_ids.get(term)
                if found_id is not None:
                    asked.setdefault(found_id, []).append(j)
        if not asked:
            return [0.0] * len(candidates)
        asked_ids = np.array(sorted(asked), dtype=np.int32)
        member = np.zeros((len(asked_ids), len(slots)), dtype=bool)
        for row, term_id in enumerate(asked_ids.tolist()):
            member[row, asked[term_id]] = True
        weights = np.array([weight for weight, _ in slots], dtype=np.float64)

        chosen = np.asarray(candidates, dtype=np.int64)
        phrasings, article_of = _ranges(self.article_ptr[chosen], self.article_ptr[chosen + 1])
        if not len(phrasings):
            return [0.0] * len(candidates)
        units, phrasing_of_unit = _ranges(
            self.phrasing_ptr[phrasings], self.phrasing_ptr[phrasings + 1]
        )
        entries, unit_of_entry = _ranges(self.unit_ptr[units], self.unit_ptr[units + 1])
        term_of_entry = self.unit_terms[entries]
        position = np.minimum(np.searchsorted(asked_ids, term_of_entry), len(asked_ids) - 1)
        hit = asked_ids[position] == term_of_entry
        # a word counts when any of its terms was asked (every word has at least one term)
        unit_hit = np.logical_or.reduceat(hit, np.flatnonzero(np.diff(unit_of_entry, prepend=-1)))
        # phrasing x word-position and phrasing x slot matrices, summed left to right
        first_unit = np.cumsum(np.bincount(phrasing_of_unit, minlength=len(phrasings)))
        first_unit = np.concatenate(([0], first_unit[:-1]))
        column = np.arange(len(units)) - first_unit[phrasing_of_unit]
        used_terms = np.zeros((len(phrasings), int(column.max()) + 1), dtype=np.float64)
        used_terms[phrasing_of_unit, column] = np.where(unit_hit, self.unit_weight[units], 0.0)
        used = np.cumsum(used_terms, axis=1)[:, -1]
        in_slot = np.zeros((len(phrasings), len(slots)), dtype=bool)
        hit_rows = phrasing_of_unit[unit_of_entry[hit]]
        np.logical_or.at(in_slot, hit_rows, member[position[hit]])
        found = np.cumsum(np.where(in_slot, weights, 0.0), axis=1)[:, -1]

        ok = (found > 0) & (used > 0)
        recall = found[ok] / total
        precision = used[ok] / self.total[phrasings[ok]]
        f1 = np.zeros(len(phrasings), dtype=np.float64)
        f1[ok] = 2 * recall * precision / (recall + precision)
        best = np.zeros(len(candidates), dtype=np.float64)
        np.maximum.at(best, article_of, f1)
        return [float(x) for x in best.tolist()]
