"""Lexical retrieval over one language's articles (bm25s + PyStemmer), with coverage.

Why one index per language: each language needs its own stemmer and stop words, the
asker's language is known before searching, and a Swedish stem that happens to equal an
English word must not match across languages.

What is indexed (issue 11): each article's title, tags, question phrasings and direct
answer (its first paragraph), as separate bm25s fields combined by weight (a cheap BM25F;
`FIELD_WEIGHTS`). The fields' BM25 weights are merged per term at build time, so a search
is one weighted `np.bincount` over the query terms' postings.

Besides the BM25 score, a search reports for any article its *coverage*: the idf-weighted
share of the question's meaningful words the article has, where a word the corpus has
never seen weighs like its rarest word (so "lunch" or "vpn" keep a question from looking
covered). Coverage is one feature of the learned confidence (`retrieval/features.py`).

Coverage looks from the question's side only: a short question is fully covered by a
general article and by a specific one alike ("the customer wants to be erased" by
right-to-erasure and by the bookkeeping exception, whose phrasings all add "invoices").
*Phrasing fit* looks from both sides: for each of the article's title and phrasings, the
idf-weighted F1 of the question's words it has (recall) and of its words the question has
(precision); the article's fit is its best phrasing's. A question that lacks the words
that set a specific article apart fits the general article's phrasings better.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge.analysis.compounds import Analyzer
from knowledge.analysis.synonyms import Synonyms
from knowledge.model import Article, Lang
from knowledge.retrieval.lexical_cache import index_key, read_index, write_index
from knowledge.retrieval.phrasings import PhrasingTable
from knowledge.sections import direct_answer

if TYPE_CHECKING:
    import bm25s

# The head says what an article is about, the phrasings how people ask, the direct answer
# holds the key fact. The head and phrasings count 1.5-2x the answer: an article's own
# title or phrasing matching is stronger evidence than a word its answer happens to use.
# BM25's own k1 = 1.2 and b = 0.75 are the textbook defaults (Robertson & Zaragoza 2009).
FIELD_WEIGHTS = {"title": 2.0, "tags": 1.5, "questions": 1.5, "answer": 1.0}
BM25_K1, BM25_B = 1.2, 0.75


@dataclass(frozen=True)
class Slot:
    """One meaningful word of the question and the index terms that may match it."""

    word: str
    terms: tuple[str, ...]
    known: bool
    weight: float  # normalised idf of its most specific known term; 1.0 when unknown


@dataclass(frozen=True)
class LexicalResult:
    """One question against one index: BM25 scores of every article and the question's
    words, from which coverage of any article follows."""

    scores: np.ndarray
    slots: tuple[Slot, ...]
    unknown_share: float  # share of the question's meaningful words the corpus lacks

    def top(self, k: int) -> list[int]:
        """Indices of the best `k` articles with a score > 0, best first."""
        k = min(k, len(self.scores))
        if k <= 0:
            return []
        best = np.argpartition(-self.scores, k - 1)[:k] if k < len(self.scores) else None
        order = np.arange(len(self.scores)) if best is None else best
        order = order[np.argsort(-self.scores[order], kind="stable")]
        return [int(i) for i in order if self.scores[i] > 0]


class LanguageIndex:
    """bm25s indices for one language's articles; built once, searched many times."""

    def __init__(
        self,
        lang: Lang,
        articles: Sequence[Article],
        synonyms: Synonyms,
        cache_dir: Path | None = None,
    ) -> None:
        """`cache_dir`: load the index built for exactly these articles from there, else
        build it and store it (knowledge/retrieval/lexical_cache.py)."""
        self.lang = lang
        self.articles = list(articles)
        self.synonyms = synonyms
        self.analyzer = Analyzer(lang)
        fields = [self._fields(a) for a in self.articles]
        texts = [(a.title, *a.questions) for a in self.articles]
        key = index_key(lang, fields, texts) if cache_dir is not None else ""
        state = read_index(cache_dir, lang, key) if cache_dir is not None else None
        if state is not None:
            try:
                self._restore(state)
                return
            except (KeyError, TypeError, ValueError):  # a file from a broken write: rebuild
                self.analyzer = Analyzer(lang)
        self._build(fields, texts)
        if cache_dir is not None:
            write_index(cache_dir, lang, key, self._state())

    def _build(self, fields: list[dict[str, str]], texts: list[tuple[str, ...]]) -> None:
        library = _bm25s()
        self.analyzer.learn(text for f in fields for text in f.values())
        retrievers: list[tuple[float, bm25s.BM25]] = []
        doc_terms: list[set[str]] = [set() for _ in self.articles]
        head_terms: list[set[str]] = [set() for _ in self.articles]
        for name, weight in FIELD_WEIGHTS.items():
            # a title names its topic as written: "personuppgiftsansvarig" is not a title
            # about "personuppgifter", so titles are indexed without compound parts
            tokens = [self.analyzer.index_terms(f[name], name != "title") for f in fields]
            for i, terms in enumerate(tokens):
                doc_terms[i].update(terms)
                if name != "answer":
                    head_terms[i].update(terms)
            if any(tokens):  # bm25s cannot index a field no article has a word in
                retriever = library.BM25(k1=BM25_K1, b=BM25_B)
                retriever.index(tokens, show_progress=False)
                retrievers.append((weight, retriever))
        self._postings = _merged_postings(retrievers, len(self.articles))
        self._set_terms(doc_terms, head_terms)
        # the titles and phrasings for `phrasing_fit`, analysed now and stored with the
        # index, so no question pays for analysing an article (phrasings.py)
        self._phrasings = PhrasingTable.build(
            texts, self.analyzer.content_words, self.analyzer.expand_word, self._idf
        )

    def _set_terms(self, doc_terms: Sequence[set[str]], head_terms: Sequence[set[str]]) -> None:
        self._doc_terms = [frozenset(t) for t in doc_terms]
        self._head_terms = [frozenset(t) for t in head_terms]
        df: dict[str, int] = {}
        for doc in self._doc_terms:
            for term in doc:
                df[term] = df.get(term, 0) + 1
        n = max(len(self.articles), 1)
        # BM25's idf, normalised so the rarest possible term (in one article) weighs 1
        top = math.log(1 + (n - 1 + 0.5) / 1.5)
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) / top for t, c in df.items()}

    def _state(self) -> dict[str, Any]:
        """Everything a search reads, JSON-ready (float32 scores survive exactly)."""
        return {
            "analyzer": self.analyzer.learned(),
            "postings": {
                term: [docs.tolist(), values.tolist()]
                for term, (docs, values) in self._postings.items()
            },
            "doc_terms": [sorted(t) for t in self._doc_terms],
            "head_terms": [sorted(t) for t in self._head_terms],
            "phrasings": self._phrasings.state(),
        }

    def _restore(self, state: dict[str, Any]) -> None:
        if len(state["doc_terms"]) != len(self.articles):
            raise ValueError("index of another article count")
        self.analyzer.restore(state["analyzer"])
        self._postings = {
            term: (np.array(docs, dtype=np.int64), np.array(values, dtype=np.float32))
            for term, (docs, values) in state["postings"].items()
        }
        self._set_terms([set(t) for t in state["doc_terms"]], [set(t) for t in state["head_terms"]])
        self._phrasings = PhrasingTable.restore(state["phrasings"])
        if len(self._phrasings.article_ptr) != len(self.articles) + 1:
            raise ValueError("phrasings of another article count")

    @staticmethod
    def _fields(article: Article) -> dict[str, str]:
        return {
            "title": article.title,
            "tags": " ".join(article.tags),
            "questions": " ".join(article.questions),
            "answer": direct_answer(article.body),
        }

    def slots(self, question: str) -> list[Slot]:
        """The question's meaningful words with their index terms (synonyms as alternatives)."""
        slots: list[Slot] = []
        for query_word in self.analyzer.query_terms(question):
            terms = list(query_word.terms)
            for synonym in self.synonyms.of(query_word.word, self.lang):
                terms.extend(self.analyzer.index_terms(synonym))
            alternatives = tuple(dict.fromkeys((*terms, *query_word.also)))
            known = query_word.known or any(t in self._idf for t in alternatives)
            weights = [self._idf[t] for t in alternatives if t in self._idf]
            weight = max(weights) if known and weights else 1.0
            slots.append(Slot(query_word.word, alternatives, known, weight))
        return slots

    def search(self, question: str) -> LexicalResult:
        slots = tuple(self.slots(question))
        scores = np.zeros(len(self.articles), dtype=np.float64)
        query = [t for t in dict.fromkeys(t for s in slots for t in s.terms) if t in self._postings]
        if query:
            docs = np.concatenate([self._postings[t][0] for t in query])
            values = np.concatenate([self._postings[t][1] for t in query])
            scores = np.bincount(docs, weights=values, minlength=len(self.articles)).astype(
                np.float64
            )
        unknown = sum(1 for s in slots if not s.known) / len(slots) if slots else 1.0
        return LexicalResult(scores, slots, unknown)

    def coverage(self, result: LexicalResult, index: int, head: bool = False) -> float:
        """Weighted share of the question's words that article `index` has, 0..1
        (`head`: only in its title, tags and phrasings: how people ask about it)."""
        return self.coverages(result, [index], head)[0]

    def phrasing_fit(
        self, result: LexicalResult, candidates: Sequence[int], precision: bool = False
    ) -> list[float]:
        """Per candidate article, the best idf-weighted F1, over its title and phrasings,
        between the question's words and the phrasing's words, 0..1 (module docstring);
        `precision`: the best share of a phrasing's words the question has instead."""
        slots = [(s.weight, s.terms) for s in result.slots]
        return self._phrasings.fit(slots, candidates, precision)

    def coverages(
        self,
        result: LexicalResult,
        indices: Sequence[int],
        head: bool = False,
        known_only: bool = False,
        cap: float | None = None,
    ) -> list[float]:
        """`coverage` of several articles (the question's words are walked once each);
        `known_only`: over the words the base uses only, `cap`: each word's weight at most
        this (round 11's variants, bench/lexical_features.py)."""
        slots = [
            (min(s.weight, cap) if cap is not None else s.weight, s.terms)
            for s in result.slots
            if s.known or not known_only
        ]
        total = sum(weight for weight, _ in slots)
        if total <= 0:
            return [0.0] * len(indices)
        doc_terms = self._head_terms if head else self._doc_terms
        return [
            sum(w for w, terms in slots if not doc_terms[i].isdisjoint(terms)) / total
            for i in indices
        ]


def _bm25s() -> ModuleType:
    """bm25s, imported at the first build (a start that loads the index never needs it).
    Its import sets its logger to DEBUG; the level the application gave that logger before
    (bot/logs.py keeps it at WARNING at least) is put back."""
    logger = logging.getLogger("bm25s")
    level = logger.level
    import bm25s

    logger.setLevel(level)
    return bm25s


def _merged_postings(
    fields: list[tuple[float, bm25s.BM25]], n_docs: int
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each term's (doc ids, sum over fields of weight x BM25 score), from the fields'
    bm25s indices (term-major CSC arrays), merged in one vectorised pass."""
    vocab: dict[str, int] = {}
    keys: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for weight, retriever in fields:
        data, indices, indptr = (retriever.scores[k] for k in ("data", "indices", "indptr"))
        n_terms = len(indptr) - 1
        names = {term_id: term for term, term_id in retriever.vocab_dict.items()}
        # the empty placeholder token gets id -1 and is dropped below
        to_global = np.array(
            [
                vocab.setdefault(names[i], len(vocab)) if names.get(i) else -1
                for i in range(n_terms)
            ],
            dtype=np.int64,
        )
        term_of_entry = to_global[np.repeat(np.arange(n_terms), np.diff(indptr))]
        keep = term_of_entry >= 0
        keys.append(term_of_entry[keep] * n_docs + indices[keep])
        values.append(data[keep] * weight)
    if not vocab:
        return {}
    unique, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    summed = np.bincount(inverse, weights=np.concatenate(values)).astype(np.float32)
    term_ids, docs = unique // n_docs, (unique % n_docs).astype(np.int64)
    bounds = np.searchsorted(term_ids, np.arange(len(vocab) + 1))
    return {
        term: (docs[bounds[i] : bounds[i + 1]], summed[bounds[i] : bounds[i + 1]])
        for term, i in vocab.items()
        if bounds[i + 1] > bounds[i]
    }
