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

import bm25s
import numpy as np

from knowledge import synonyms
from knowledge.model import Article, Lang
from knowledge.text import Analyzer, words

FIELD_WEIGHTS = {"head": 2.0, "questions": 1.5, "body": 1.0}
UNKNOWN_WEIGHT = 1.0  # a word the corpus never uses counts as much as its rarest word
HEAD_BONUS = 0.25  # a match in the title/tags/questions says more than one in the body
_MARKUP = re.compile(r"[#*_`>\[\]()]|\{\{[^}]*\}\}")


@dataclass(frozen=True)
class Slot:
    """One meaningful word of the question and the index terms that may match it."""

    word: str
    terms: tuple[str, ...]
    known: bool


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float  # combined BM25, only for ranking
    coverage: float  # weighted share of the question's words this article matches, 0..1
    anchor: float  # weight of the most telling matched word, 0..1


class LanguageIndex:
    """bm25s indices for one language's articles; built once, searched many times."""

    def __init__(self, lang: Lang, articles: Sequence[Article]) -> None:
        self.lang = lang
        self.articles = list(articles)
        self.analyzer = Analyzer(lang)
        fields = [self._fields(a) for a in self.articles]
        self.analyzer.learn(text for f in fields for text in f.values())
        self._indices: list[tuple[float, bm25s.BM25]] = []
        doc_terms: list[set[str]] = [set() for _ in self.articles]
        head_terms: list[set[str]] = [set() for _ in self.articles]
        for name, weight in FIELD_WEIGHTS.items():
            tokens = [self.analyzer.index_terms(f[name]) for f in fields]
            for i, terms in enumerate(tokens):
                doc_terms[i].update(terms)
                if name != "body":
                    head_terms[i].update(terms)
            retriever = bm25s.BM25(k1=1.2, b=0.75)
            if self.articles:
                retriever.index(tokens, show_progress=False)
            self._indices.append((weight, retriever))
        self._doc_terms = [frozenset(t) for t in doc_terms]
        self._head_terms = [frozenset(t) for t in head_terms]
        df = Counter(term for terms in self._doc_terms for term in terms)
        n = max(len(self.articles), 1)
        top = math.log(1 + (n - 1 + 0.5) / 1.5)
        self._weight = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) / top for t, c in df.items()}

    @staticmethod
    def _fields(article: Article) -> dict[str, str]:
        return {
            "head": " ".join((article.title, *article.tags)),
            "questions": " ".join(article.questions),
            "body": _MARKUP.sub(" ", article.body),
        }

    def slots(self, question: str) -> list[Slot]:
        """The question's meaningful words with their index terms (synonyms as alternatives)."""
        analyzer = self.analyzer
        found = [(span, set(words(span)), c) for span, c in synonyms.expand(question, self.lang)]
        slots: list[Slot] = []
        covered: set[str] = set()
        for word, terms, known in analyzer.query_terms(question):
            extra: list[str] = []
            for _, span_words, canonical in found:
                if word in span_words:
                    extra.extend(analyzer.index_terms(canonical))
            alternatives = tuple(dict.fromkeys((*terms, *extra)))
            known = known or any(t in self._weight for t in extra)
            slots.append(Slot(word, alternatives, known))
            if extra:
                covered.update(span for span, span_words, _ in found if word in span_words)
        for span, _, canonical in found:
            if span not in covered and not analyzer.content_words(span):
                # a phrase made only of small words ("allt ni har om") still means something
                slots.append(Slot(span, tuple(analyzer.index_terms(canonical)), True))
        return slots

    def _slot_weight(self, slot: Slot) -> float:
        if not slot.known:
            return UNKNOWN_WEIGHT
        weights = [self._weight[t] for t in slot.terms if t in self._weight]
        return weights[0] if weights else UNKNOWN_WEIGHT

    def search(self, question: str, k: int = 4) -> list[Hit]:
        """The best `k` articles with their confidence features, best first."""
        if not self.articles:
            return []
        slots = self.slots(question)
        query = list(dict.fromkeys(t for s in slots for t in s.terms if t in self._weight))
        if not query:
            return []
        scores = np.zeros(len(self.articles), dtype=np.float32)
        for weight, retriever in self._indices:
            scores += weight * retriever.get_scores(query)
        k = min(k, len(self.articles))
        best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        best = best[np.argsort(-scores[best])]
        weights = [self._slot_weight(s) for s in slots]
        total = sum(weights) or 1.0
        hits: list[Hit] = []
        for index in best:
            if scores[index] <= 0:
                break
            terms, head = self._doc_terms[index], self._head_terms[index]
            matched = 0.0
            anchor = 0.0
            for slot, weight in zip(slots, weights, strict=True):
                if any(t in terms for t in slot.terms):
                    matched += weight
                    in_head = any(t in head for t in slot.terms)
                    anchor = max(anchor, min(1.0, weight + (HEAD_BONUS if in_head else 0.0)))
            hits.append(Hit(self.articles[index], float(scores[index]), matched / total, anchor))
        return hits
