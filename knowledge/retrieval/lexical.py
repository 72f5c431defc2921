"""Lexical retrieval over one language's articles (bm25s), with a confidence signal.

Why one index per language rather than one mixed index: each language needs its own stemmer
and stop words, the asker's language is known (detected or given) before searching, and a
Swedish stem that happens to equal an English word must not match across languages.

Fields are separate bm25s indices combined by weight (a cheap BM25F): the head (title and
tags) says what an article is about, the alternative questions say how people ask, the body
holds the facts. Separate indices keep a long body from drowning a precise title match.

Confidence is not the BM25 score (which grows with query length and corpus statistics) but
*weighted coverage*: the share of the question's meaningful words, weighted by how rare they
are in the corpus (normalised idf), that the best article matches. A question whose words
the corpus has never seen ("lunch menu", "VPN password") keeps their full weight in the
denominator, so the nearest GDPR article is not good enough. `anchor` is the rarest matched
word's weight: generic words ("customer", "data", "how") alone cannot carry a match.
See `knowledge/answers.py` for the calibrated thresholds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import bm25s
import numpy as np

from knowledge import synonyms
from knowledge.model import Article, Lang
from knowledge.text import Analyzer, general_zipf, words

# words naming the knowledge base's subject itself: they rank, but are no evidence either way
SUBJECT_WORDS = frozenset({"gdpr", "dataskyddsförordningen", "dataskyddsförordning"})
FIELD_WEIGHTS = {"title": 2.0, "tags": 1.5, "questions": 1.5, "body": 1.0}
_MARKUP = re.compile(r"[#*_`>\[\]()]|\{\{[^}]*\}\}")


@dataclass(frozen=True)
class Slot:
    """One meaningful word of the question and the index terms that may match it."""

    word: str
    terms: tuple[str, ...]
    known: bool
    probes: tuple[str, ...]  # surface words for everyday frequency; () for phrase synonyms
    also: tuple[str, ...] = ()  # further terms that count as a match but do not rank


class SlotMatch(NamedTuple):
    """How one meaningful question word relates to the corpus and to one article.

    A NamedTuple rather than a dataclass: a search makes dozens of them per question."""

    weight: float  # normalised idf of the word's best term, 0..1 (0 when unknown)
    known: bool  # the corpus has the word (directly, as compound parts, or via a synonym)
    in_doc: bool  # this article has it anywhere
    in_head: bool  # this article names it in its title, tags or questions
    keyness: float = 0.0  # corpus Zipf minus everyday-language Zipf; > 0 means domain word
    everyday: float = 0.0  # the word's Zipf frequency in everyday language
    in_title: bool = False  # this article's title has it


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float  # combined BM25, only for ranking
    slots: tuple[SlotMatch, ...]


class LanguageIndex:
    """bm25s indices for one language's articles; built once, searched many times."""

    def __init__(self, lang: Lang, articles: Sequence[Article]) -> None:
        self.lang = lang
        self.articles = list(articles)
        self.analyzer = Analyzer(lang)
        fields = [self._fields(a) for a in self.articles]
        self.analyzer.learn(text for f in fields for text in f.values())
        retrievers: list[tuple[float, bm25s.BM25]] = []
        doc_terms: list[set[str]] = [set() for _ in self.articles]
        head_terms: list[set[str]] = [set() for _ in self.articles]
        title_terms: list[set[str]] = [set() for _ in self.articles]
        counts: Counter[str] = Counter()
        for name, weight in FIELD_WEIGHTS.items():
            # a title names its topic as written: "personuppgiftsansvarig" is not a title
            # about "personuppgifter", so titles are indexed without compound parts
            compounds = name != "title"
            tokens = [self.analyzer.index_terms(f[name], compounds) for f in fields]
            for i, terms in enumerate(tokens):
                counts.update(terms)
                doc_terms[i].update(terms)
                if name != "body":
                    head_terms[i].update(terms)
                if name == "title":
                    title_terms[i].update(terms)
            if self.articles:
                retriever = bm25s.BM25(k1=1.2, b=0.75)
                retriever.index(tokens, show_progress=False)
                retrievers.append((weight, retriever))
        self._postings = _merged_postings(retrievers, len(self.articles))
        self._doc_terms = [frozenset(t) for t in doc_terms]
        self._head_terms = [frozenset(t) for t in head_terms]
        self._title_terms = [frozenset(t) for t in title_terms]
        df = Counter(term for terms in self._doc_terms for term in terms)
        n = max(len(self.articles), 1)
        top = math.log(1 + (n - 1 + 0.5) / 1.5)
        self._weight = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) / top for t, c in df.items()}
        total = max(sum(counts.values()), 1)
        self._zipf = {t: math.log10(c / total * 1e9) for t, c in counts.items()}

    @staticmethod
    def _fields(article: Article) -> dict[str, str]:
        return {
            "title": article.title,
            "tags": " ".join(article.tags),
            "questions": " ".join(article.questions),
            "body": _MARKUP.sub(" ", article.body),
        }

    def slots(self, question: str) -> list[Slot]:
        """The question's meaningful words with their index terms (synonyms as alternatives)."""
        analyzer = self.analyzer
        found = [(span, set(words(span)), c) for span, c in synonyms.expand(question, self.lang)]
        slots: list[Slot] = []
        covered: set[str] = set()
        for query_word in analyzer.query_terms(question):
            word, terms, known = query_word.word, query_word.terms, query_word.known
            extra: list[str] = []
            for span, span_words, canonical in found:
                if word in span_words:
                    extra.extend(analyzer.index_terms(canonical))
                    if span == word and not analyzer.is_corpus_word(word):
                        terms = ()  # "boter": the synonym knows better than the stemmer ("bot")
            alternatives = tuple(dict.fromkeys((*extra, *terms)))
            known = known or any(t in self._weight for t in extra)
            slots.append(Slot(word, alternatives, known, query_word.probes, query_word.also))
            if extra:
                covered.update(span for span, span_words, _ in found if word in span_words)
        for span, _, canonical in found:
            if span not in covered and not analyzer.content_words(span):
                # a phrase made only of small words ("allt ni har om") still means something
                slots.append(Slot(span, tuple(analyzer.index_terms(canonical)), True, ()))
        return slots

    def recognised(self, question: str) -> int:
        """How many of the question's words this language's corpus knows (for detection)."""
        return sum(1 for word in words(question) if self.analyzer.is_corpus_word(word))

    def _keyness(self, slot: Slot) -> float:
        """How much more the knowledge base uses this word than everyday language does
        (difference of Zipf values): high for "registerutdrag", "breach", "personal data";
        low for "tomorrow", "system", "sick" even when an article happens to use them.
        A compound is as generic as its most generic part ("tid|rapportering")."""
        corpus = max((self._zipf[t] for t in slot.terms if t in self._zipf), default=0.0)
        if not slot.probes:
            return corpus
        if len(slot.probes) == 1:
            return corpus - self._everyday(slot.probes[0])
        stem = self.analyzer.stem
        return min(self._zipf.get(stem(part), 0.0) - self._everyday(part) for part in slot.probes)

    def _everyday(self, word: str) -> float:
        """Everyday frequency of a word or of its stem, whichever is commoner: "allowance"
        is matched through "allow", so it is as generic as "allow" here."""
        return max(general_zipf(word, self.lang), general_zipf(self.analyzer.stem(word), self.lang))

    def _slot_weight(self, slot: Slot) -> float:
        if slot.word in SUBJECT_WORDS:
            return 0.0  # every article is about the GDPR: saying so adds nothing
        """The idf of the most specific term the word may match ("dpo" -> "dpo", not "data")."""
        weights = [self._weight[t] for t in slot.terms if t in self._weight]
        return max(weights) if slot.known and weights else 0.0

    def search(self, question: str, k: int = 4) -> list[Hit]:
        """The best `k` articles with their confidence features, best first."""
        slots = self.slots(question)
        query = [t for t in dict.fromkeys(t for s in slots for t in s.terms) if t in self._postings]
        if not query:
            return []
        # the fields' BM25 weights are merged per term at build time, so scoring is one
        # weighted bincount over the query terms' postings instead of one pass per field
        docs = np.concatenate([self._postings[t][0] for t in query])
        values = np.concatenate([self._postings[t][1] for t in query])
        scores = np.bincount(docs, weights=values, minlength=len(self.articles))
        k = min(k, len(self.articles))
        best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        best = best[np.argsort(-scores[best])]
        static = [
            (
                slot.terms + slot.also,
                self._slot_weight(slot),
                slot.known,
                self._keyness(slot),
                self._everyday(slot.word) if slot.probes else 0.0,
            )
            for slot in slots
        ]
        hits: list[Hit] = []
        for index in best:
            if scores[index] <= 0:
                break
            terms, head = self._doc_terms[index], self._head_terms[index]
            title = self._title_terms[index]
            matches = tuple(
                SlotMatch(
                    weight,
                    known,
                    not terms.isdisjoint(slot_terms),
                    not head.isdisjoint(slot_terms),
                    keyness,
                    everyday,
                    not title.isdisjoint(slot_terms),
                )
                for slot_terms, weight, known, keyness, everyday in static
            )
            hits.append(Hit(self.articles[index], float(scores[index]), matches))
        return hits


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
