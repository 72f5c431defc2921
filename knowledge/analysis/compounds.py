"""Per-language analysis for the lexical index: stop words, stems, Swedish compounds, typos.

One `Analyzer` per language. Articles are analysed with `index_terms` (every word's stem,
plus the stems of a Swedish compound's parts; a Swedish verbal noun takes its verb's stem,
"radering" -> "rader", and suffixes are never parts), questions with `query_terms`, which first
tries the exact stem and, when the corpus has never seen it, falls back in order to:
compound parts (split against the corpus vocabulary), the same word without diacritics
("boter" -> "böter"), and a single edit (insert, delete, substitute; "registerutrag").
The fallbacks only ever map to terms the corpus has, so they cannot invent matches, and
nothing here names a topic: it is morphology and spelling, the same for any content.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import Stemmer

from knowledge.analysis.stopwords import STOPWORDS
from knowledge.analysis.tokens import WORD, fold, normalise, words
from knowledge.model import Lang

STEMMER_NAMES = {"sv": "swedish", "en": "english"}
# Shortest compound part: shorter "parts" are mostly accidental substrings ("ka", "in").
MIN_PART = 3
# Swedish definite endings Snowball leaves on short stems ("lösenordet", "ärendena"); a
# stripped form is used only when the corpus has the base, never blindly.
DEFINITE_ENDINGS = ("na", "et", "en", "t", "n")
MIN_DEFINITE_BASE = 4
# Swedish verbal nouns: Snowball strips inflection but keeps derivation in -ing/-ning, so
# "radering" stays whole while "radera"/"raderad" become `rader`, and the noun never met
# its verb. A noun's stem is mapped to its verb's when the corpus has the verb (and the
# other way round when it has only the noun), like the definite endings: never blindly.
# "ing" is tried first ("lagring" -> "lagr", not "lag"); the base needs MIN_DEFINITE_BASE
# letters, so short accidental bases ("tidning" -> "tid", "mening" -> "men") never match.
VERBAL_NOUN_ENDINGS = ("ing", "ning")
# Derivational suffixes (with binding -s and common inflections) are morphology, not
# compound parts: "radering" is "rader" + -ing, not "rad" + "ing"; "tydlighet" is not
# "tydlig" + "het". Only suffixes of at least MIN_PART letters can be mistaken for parts.
SUFFIXES = frozenset(
    {
        "ing",
        "ings",
        "ingen",
        "ingar",
        "ning",
        "nings",
        "ningen",
        "ningar",
        "het",
        "hets",
        "heten",
        "heter",
        "else",
        "elsen",
        "elser",
        "ande",
        "andet",
        "ende",
        "endet",
        "are",
        "aren",
        "arna",
        "lig",
        "liga",
        "ligt",
        "isk",
        "iska",
        "iskt",
        "skap",
        "skaps",
        "itet",
        "itets",
        "tion",
        "tionen",
    }
)
# Longer "words" are not split or spell-corrected: splitting cost grows with length and a
# 40-letter token in a question is a pasted identifier, not a word.
MAX_WORD = 40
# Words shorter than this are not spell-corrected: a one-letter edit of a 4-letter word
# reaches too many real words ("data" -> "date", "bota" -> "bot").
MIN_FUZZY = 6


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class QueryWord:
    """A question word and what it may match in the index."""

    word: str
    terms: tuple[str, ...]  # index terms (stems) to look up
    known: bool  # the corpus has it, directly, as compound parts or as a corrected spelling
    also: tuple[str, ...] = ()  # parts of a known compound: count as a match, not for ranking


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
    _raw_known: set[str] = field(default_factory=set, repr=False)
    _canon: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.stopwords = STOPWORDS[self.lang]
        self._stemmer = Stemmer.Stemmer(STEMMER_NAMES[self.lang])
        self._raw_stem = lru_cache(maxsize=200_000)(self._stemmer.stemWord)
        self.stem = lru_cache(maxsize=200_000)(self._canonical_stem)
        self.split_compound = lru_cache(maxsize=200_000)(self._split_compound)
        self.query_term = lru_cache(maxsize=50_000)(self._query_term)
        self.expand_word = lru_cache(maxsize=200_000)(self._expand_word)

    # --- stems -----------------------------------------------------------------------------
    def _strip_derivation(self, stem: str) -> str | None:
        """The corpus verb stem of a verbal noun's stem ("radering" -> "rader"), or None."""
        for ending in VERBAL_NOUN_ENDINGS:
            if stem.endswith(ending) and len(stem) - len(ending) >= MIN_DEFINITE_BASE:
                base = stem[: -len(ending)]
                if base in self._raw_known:
                    return base
        return None

    def _noun_of(self, stem: str) -> str | None:
        """The corpus stem of the verbal noun of a verb stem the corpus lacks, or None."""
        if len(stem) < MIN_DEFINITE_BASE:
            return None
        for ending in VERBAL_NOUN_ENDINGS:
            if stem + ending in self._raw_known:
                return stem + ending
        return None

    def _base_form(self, word: str) -> str:
        """The word's raw stem with a definite ending and a verbal noun's suffix reduced to
        corpus stems where the corpus has them."""
        base = self._strip_definite(word) or self._raw_stem(word)
        return self._strip_derivation(base) or base

    def _strip_definite(self, word: str) -> str | None:
        for ending in DEFINITE_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_DEFINITE_BASE:
                base = self._raw_stem(word[: -len(ending)])
                if base in self._raw_known:
                    return base
        return None

    def _learn_definite_forms(self) -> None:
        if self.lang != "sv":
            return
        self._raw_known = {self._raw_stem(w) for w in self._known_words}
        for word in self._known_words:
            raw = self._raw_stem(word)
            base = self._base_form(word)
            if base != raw:
                self._canon[raw] = base
        self.stem.cache_clear()

    def _canonical_stem(self, word: str) -> str:
        raw = self._raw_stem(word)
        if self.lang != "sv" or not self._raw_known:
            return raw
        if raw in self._canon:
            return self._canon[raw]
        if raw in self._raw_known:
            return raw
        base = self._base_form(word)
        if base == raw:
            base = self._noun_of(raw) or raw
        return self._canon.get(base, base)

    # --- corpus side -----------------------------------------------------------------------
    def content_words(self, text: str) -> list[str]:
        return [w for w in words(text) if w not in self.stopwords and len(w) > 1]

    def learn(self, texts: Iterable[str]) -> None:
        """Record the corpus vocabulary used for compound splitting and spelling fallbacks."""
        for text in texts:
            self._known_words.update(self.content_words(text))
        self._learn_definite_forms()
        self._known_stems = {self.stem(w) for w in self._known_words}
        for word in sorted(self._known_words, key=len):
            stem = self.stem(word)
            self._folded.setdefault(fold(word), stem)
            self._folded.setdefault(fold(stem), stem)
        for word in sorted(self._known_words | self._known_stems):
            if len(word) >= MIN_FUZZY - 1:
                stem = self.stem(word)
                self._edits.setdefault(word, stem)
                for variant in _deletes(word):
                    self._edits.setdefault(variant, stem)
        for cache in (self.split_compound, self.query_term, self.expand_word):
            cache.cache_clear()

    def learned(self) -> dict[str, Any]:
        """What `learn` found, as JSON-ready lists and dicts (the lexical index cache)."""
        return {
            "known_words": sorted(self._known_words),
            "known_stems": sorted(self._known_stems),
            "raw_known": sorted(self._raw_known),
            "canon": self._canon,
            "folded": self._folded,
            "edits": self._edits,
        }

    def restore(self, learned: dict[str, Any]) -> None:
        """Take over what an earlier `learn` on the same texts found (`learned`)."""
        self._known_words = set(learned["known_words"])
        self._known_stems = set(learned["known_stems"])
        self._raw_known = set(learned["raw_known"])
        self._canon = dict(learned["canon"])
        self._folded = dict(learned["folded"])
        self._edits = dict(learned["edits"])
        for cache in (self.stem, self.split_compound, self.query_term, self.expand_word):
            cache.cache_clear()

    def is_corpus_word(self, word: str) -> bool:
        return word in self._known_words

    def _is_part(self, part: str) -> bool:
        return (
            len(part) >= MIN_PART
            and part not in SUFFIXES
            and (
                part in self._known_words
                or part in self._known_stems
                or self.stem(part) in self._known_stems
            )
        )

    def _part_stem(self, part: str) -> str:
        """A part's index term: a part accepted as a corpus stem ("rader") is that stem, not
        stemmed again (which would make it "rad", another word)."""
        if part in self._known_stems and part not in self._known_words:
            return part
        return self.stem(part)

    def _split_compound(self, word: str) -> tuple[str, ...]:
        """Split a Swedish compound into known parts, longest head first: 'lagringstiden' ->
        ('lagrings', 'tiden'). Binding -s- and -e- are allowed. Returns () when no split,
        and for a derived word whose base the corpus has ("radering": verb + -ing)."""
        if self.lang != "sv" or not 2 * MIN_PART <= len(word) <= MAX_WORD:
            return ()
        if self._raw_known:
            base = self._strip_definite(word) or self._raw_stem(word)
            if self._strip_derivation(base) is not None:
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

    def index_terms(self, text: str, compounds: bool = True) -> list[str]:
        """Stems of a document's words plus (unless told not to) compound parts' stems."""
        if not compounds:
            return [self.stem(word) for word in self.content_words(text)]
        expand = self.expand_word
        return [term for word in self.content_words(text) for term in expand(word)]

    def _expand_word(self, word: str) -> tuple[str, ...]:
        parts = self.split_compound(word)
        part_stem = self._part_stem
        return (self.stem(word), *(part_stem(p) for p in parts if p not in self.stopwords))

    # --- query side ------------------------------------------------------------------------
    def _query_term(self, word: str, hyphen_parts: tuple[str, ...] = ()) -> QueryWord:
        if len(word) > MAX_WORD:
            return QueryWord(word, (), False)
        stem = self.stem(word)
        parts = hyphen_parts or self.split_compound(word)
        parts = tuple(p for p in parts if p not in self.stopwords and self._is_part(p))
        part_stems = tuple(self._part_stem(p) for p in parts)
        if stem in self._known_stems:
            also = tuple(t for t in part_stems if t != stem)
            return QueryWord(word, (stem,), True, also)
        whole = hyphen_parts or self.split_compound(word)
        if parts and len(parts) == len([p for p in whole if p not in self.stopwords]):
            return QueryWord(word, part_stems, True)
        folded = self._folded.get(fold(word)) or self._folded.get(fold(stem))
        if folded:
            return QueryWord(word, (folded,), True)
        if len(word) >= MIN_FUZZY:
            for candidate in (word, stem, *sorted(_deletes(word) | _deletes(stem))):
                match = self._edits.get(candidate)
                if match:
                    return QueryWord(word, (match,), True)
        return QueryWord(word, (stem,), False)

    def query_terms(self, text: str) -> list[QueryWord]:
        """Each distinct content word of a question with the index terms it may match."""
        seen: set[str] = set()
        out: list[QueryWord] = []
        for token in WORD.findall(normalise(text)):
            word = token.replace("-", "")
            if word in seen or word in self.stopwords or len(word) < 2:
                continue
            seen.add(word)
            hyphen_parts = tuple(p for p in token.split("-") if p) if "-" in token else ()
            out.append(self.query_term(word, hyphen_parts))
        return out
