"""Text analysis for retrieval: words, stop words, stems, Swedish compounds, misspellings.

One `Analyzer` per language. Articles are analysed with `index_terms` (every word's stem,
plus the stems of a Swedish compound's parts), questions with `query_terms`, which first
tries the exact stem and, when the corpus has never seen it, falls back in order to:
compound parts (split against the corpus vocabulary), the same word without diacritics
("boter" -> "böter"), and a single edit (insert, delete, substitute; "registerutrag").
The fallbacks only ever map to terms the corpus has, so they cannot invent matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SWEDISH

from knowledge.model import Lang

WORD = re.compile(r"[0-9a-zåäöéèüæøà]+(?:-[0-9a-zåäöéèüæøà]+)*")
STEMMER_NAMES = {"sv": "swedish", "en": "english"}

_EXTRA_STOPWORDS: dict[str, frozenset[str]] = {
    "sv": frozenset(
        [
            "vill",
            "ska",
            "skall",
            "måste",
            "får",
            "fick",
            "gör",
            "göra",
            "gjorde",
            "gjort",
            "kommer",
            "kolla",
            "behöver",
            "bör",
            "borde",
            "finns",
            "fanns",
            "ens",
            "även",
            "också",
            "just",
            "bara",
            "lite",
            "typ",
            "liksom",
            "alltså",
            "egentligen",
            "någon",
            "nån",
            "nåt",
            "något",
            "hej",
            "tack",
            "snälla",
            "okej",
            "ok",
            "undrar",
            "fråga",
            "frågar",
            "säger",
            "sa",
            "sagt",
            "hos",
            "hit",
            "dit",
            "sen",
            "ifall",
            "eftersom",
            "mej",
            "dej",
            "sej",
            "man",
            "nog",
            "ju",
            "väl",
            "då",
            "vilken",
            "vilket",
            "vilka",
            "där",
            "hen",
            "hens",
            "henom",
            "sitt",
            "sina",
            "sin",
            "era",
            "våran",
            "vårat",
        ]
    ),
    "en": frozenset(
        [
            "a",
            "about",
            "above",
            "after",
            "again",
            "against",
            "all",
            "am",
            "an",
            "and",
            "any",
            "are",
            "as",
            "at",
            "be",
            "because",
            "been",
            "before",
            "being",
            "below",
            "between",
            "both",
            "but",
            "by",
            "can",
            "could",
            "did",
            "do",
            "does",
            "doing",
            "done",
            "down",
            "during",
            "each",
            "few",
            "for",
            "from",
            "further",
            "had",
            "has",
            "have",
            "having",
            "he",
            "her",
            "here",
            "hers",
            "herself",
            "him",
            "himself",
            "his",
            "how",
            "i",
            "if",
            "in",
            "into",
            "is",
            "it",
            "its",
            "itself",
            "just",
            "me",
            "more",
            "most",
            "my",
            "myself",
            "no",
            "nor",
            "not",
            "now",
            "of",
            "off",
            "on",
            "once",
            "only",
            "or",
            "other",
            "our",
            "ours",
            "ourselves",
            "out",
            "over",
            "own",
            "same",
            "she",
            "should",
            "so",
            "some",
            "such",
            "than",
            "that",
            "the",
            "their",
            "theirs",
            "them",
            "themselves",
            "then",
            "there",
            "these",
            "they",
            "this",
            "those",
            "through",
            "to",
            "too",
            "under",
            "until",
            "up",
            "very",
            "was",
            "we",
            "were",
            "what",
            "when",
            "where",
            "which",
            "while",
            "who",
            "whom",
            "why",
            "will",
            "with",
            "would",
            "you",
            "your",
            "yours",
            "yourself",
            "yourselves",
            "ok",
            "okay",
            "hi",
            "hello",
            "please",
            "thanks",
            "need",
            "needs",
            "must",
            "may",
            "might",
            "shall",
            "get",
            "got",
            "let",
            "lets",
            "want",
            "wants",
            "wanted",
            "really",
            "actually",
            "also",
            "still",
            "ever",
            "even",
            "tell",
            "says",
            "said",
            "ask",
            "asks",
            "asked",
            "anyone",
            "someone",
            "something",
            "anything",
            "us",
            "im",
            "ive",
            "dont",
            "doesnt",
            "cant",
            "whats",
            "hes",
            "shes",
            "theyre",
        ]
    ),
}
STOPWORDS: dict[str, frozenset[str]] = {
    "sv": frozenset(STOPWORDS_SWEDISH) | _EXTRA_STOPWORDS["sv"],
    "en": frozenset(STOPWORDS_EN) | _EXTRA_STOPWORDS["en"],
}

_FOLD = str.maketrans("åäöéèüæøà", "aaoeeuaoa")
MIN_PART = 3  # shortest compound part; shorter "parts" are mostly accidental substrings
MIN_FUZZY = 6  # words shorter than this are not spell-corrected (too many neighbours)


def fold(word: str) -> str:
    """Drop diacritics the way people do on an English keyboard: böter -> boter."""
    return word.translate(_FOLD)


def words(text: str) -> list[str]:
    """Lowercase words; a hyphenated word yields the joined form and its parts."""
    text = unicodedata.normalize("NFC", text).lower()
    out: list[str] = []
    for match in WORD.finditer(text):
        token = match.group()
        if "-" in token:
            out.append(token.replace("-", ""))
            out.extend(part for part in token.split("-") if part)
        else:
            out.append(token)
    return out


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass
class Analyzer:
    """Language-specific analysis; `learn` the corpus words before analysing queries."""

    lang: Lang
    stopwords: frozenset[str] = field(init=False)
    _stemmer: Stemmer.Stemmer = field(init=False, repr=False)
    _known_words: set[str] = field(default_factory=set, repr=False)
    _known_stems: set[str] = field(default_factory=set, repr=False)
    _folded: dict[str, str] = field(default_factory=dict, repr=False)
    _edits: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.stopwords = STOPWORDS[self.lang]
        self._stemmer = Stemmer.Stemmer(STEMMER_NAMES[self.lang])
        self.stem = lru_cache(maxsize=200_000)(self._stemmer.stemWord)
        self.split_compound = lru_cache(maxsize=200_000)(self._split_compound)
        self.query_term = lru_cache(maxsize=50_000)(self._query_term)

    # --- corpus side -----------------------------------------------------------------------
    def content_words(self, text: str) -> list[str]:
        return [w for w in words(text) if w not in self.stopwords and len(w) > 1]

    def learn(self, texts: Iterable[str]) -> None:
        """Record the corpus vocabulary used for compound splitting and spelling fallbacks."""
        for text in texts:
            self._known_words.update(self.content_words(text))
        self._known_stems = {self.stem(w) for w in self._known_words}
        for word in sorted(self._known_words, key=len):
            stem = self.stem(word)
            self._folded.setdefault(fold(word), stem)
            self._folded.setdefault(fold(stem), stem)
        for stem in sorted(self._known_stems):
            if len(stem) >= MIN_FUZZY - 1:
                for variant in _deletes(stem):
                    self._edits.setdefault(variant, stem)
                self._edits.setdefault(stem, stem)
        for cache in (self.split_compound, self.query_term):
            cache.cache_clear()

    def _is_part(self, part: str) -> bool:
        return len(part) >= MIN_PART and (
            part in self._known_words
            or part in self._known_stems
            or self.stem(part) in self._known_stems
        )

    def _split_compound(self, word: str) -> tuple[str, ...]:
        """Split a Swedish compound into known parts, longest head first: 'lagringstiden' ->
        ('lagring', 'tiden'). Binding -s- and -e- are allowed. Returns () when no split."""
        if self.lang != "sv" or len(word) < 2 * MIN_PART:
            return ()
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            if not self._is_part(head):
                continue
            for rest in (tail, tail[1:] if tail[:1] in "se" else None):
                if not rest or len(rest) < MIN_PART:
                    continue
                if self._is_part(rest):
                    return (head, rest)
                deeper = self.split_compound(rest)
                if deeper:
                    return (head, *deeper)
        return ()

    def index_terms(self, text: str) -> list[str]:
        """Stems of a document's words plus the stems of compound parts."""
        terms: list[str] = []
        for word in self.content_words(text):
            terms.append(self.stem(word))
            terms.extend(
                self.stem(part) for part in self.split_compound(word) if part not in self.stopwords
            )
        return terms

    # --- query side ------------------------------------------------------------------------
    def _query_term(self, word: str) -> tuple[tuple[str, ...], bool]:
        """(index terms for one query word, whether the word was recognised)."""
        stem = self.stem(word)
        if stem in self._known_stems:
            return (stem,), True
        parts = self.split_compound(word)
        if parts:
            return tuple(self.stem(p) for p in parts if p not in self.stopwords), True
        folded = self._folded.get(fold(word)) or self._folded.get(fold(stem))
        if folded:
            return (folded,), True
        if len(stem) >= MIN_FUZZY:
            for candidate in (stem, *sorted(_deletes(stem))):
                match = self._edits.get(candidate)
                if match:
                    return (match,), True
        return (stem,), False

    def query_terms(self, text: str) -> list[tuple[str, tuple[str, ...], bool]]:
        """For each distinct content word: (word, index terms, recognised)."""
        seen: set[str] = set()
        out: list[tuple[str, tuple[str, ...], bool]] = []
        for word in self.content_words(text):
            if word in seen:
                continue
            seen.add(word)
            terms, known = self.query_term(word)
            out.append((word, terms, known))
        return out
