"""A small sv/en language detector: function words and å/ä/ö, then a word profile.

1. Function words. The words that give a language away in a question ("hur", "vad",
   "jag", "how", "what", "the") are few, frequent and the same whatever the topic. The
   lists hold function words only (pronouns, prepositions, conjunctions, auxiliaries,
   question words): no topic word. They decide most questions.
2. A `Profile` for what they leave open: keyword messages ("dpo contact", "lagringstid",
   "breach notification deadline"). Learnt from text in each language (the answerer gives
   it the articles' question-like text: titles, lead paragraphs, phrasings): a word seen in
   that text counts by how much more often one language uses it, an unseen word by its
   letter trigrams ("-tion", "-ning", "sk-"). The words' mean log-odds must reach
   `Profile.MARGIN`, else the profile says nothing.
3. Neither: None, and the caller decides (the conversation the person's last language,
   then the configured default).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

from knowledge.analysis.tokens import tokens
from knowledge.model import Article, Lang

_SWEDISH_WORDS = """
    och att det som en ett är på för med till av inte har jag vi ni du hur vad vem vilka
    vilken vilket varför när var kan ska skall måste får om hen han hon den dem dom sina sin
    sitt mina min mitt vår våra ut från eller men så också bara nu gör göra vill finns blir
    efter mot utan hos oss er mig dig honom henne deras hans hennes här där någon något
    några inga ingen allt alla ju väl nåt nån redan aldrig alltid hade skulle kunde borde
"""
_SV = frozenset(_SWEDISH_WORDS.split())
_ENGLISH_WORDS = """
    the and to of a an is are on for with what how who when where why which do does did can
    could should must may we you he she they it this that my our your his her their about
    from has have been will would not was were there here get got make made need needs want
    wants if any all some us me them then than also just only own into at by or but so out
    these those its im ive dont doesnt cant whats
"""
_EN = frozenset(_ENGLISH_WORDS.split())
# function words both languages write alike ("i" is "in" in Swedish, "in" as in "skicka in")
AMBIGUOUS = frozenset({"i", "in", "man", "be", "ok", "e", "hej", "hi"})
_SWEDISH_LETTERS = frozenset("åäö")


def _vote(token: str) -> int:
    """+1 for a Swedish function word (+2 more with å/ä/ö), -1 for an English one."""
    if token in AMBIGUOUS:
        return 0
    vote = (token in _SV) - (token in _EN)
    # å/ä/ö are strong evidence for Swedish (a name like "Åsa" in English is rare in a question)
    return vote + (0 if _SWEDISH_LETTERS.isdisjoint(token) else 2)


def language_votes(text: str) -> int:
    """Positive: Swedish; negative: English; 0: the function words cannot tell."""
    return sum(_vote(token) for token in tokens(text))


def _trigrams(word: str) -> list[str]:
    padded = f"_{word}_"
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def _profiled(text: str) -> list[str]:
    """The words a profile reads: letters only, two or more of them."""
    return [w for w in tokens(text) if len(w) > 1 and w.replace("-", "").isalpha()]


class Profile:
    """How Swedish or English words look, learnt from text in each language."""

    # Mean log-odds per word needed to decide: each word about 1.5 times as likely in one
    # language's text as in the other's. Below it (an acronym such as "vpn" or "imy", a
    # word both languages use such as "lunch") the profile leaves the language open.
    MARGIN = math.log(1.5)

    def __init__(self, texts: Mapping[Lang, Iterable[str]]) -> None:
        self._words = {k: Counter[str]() for k in ("sv", "en")}
        for lang, parts in texts.items():
            for text in parts:
                self._words[lang].update(_profiled(text))
        self._grams = {k: Counter[str]() for k in ("sv", "en")}
        for k, counted in self._words.items():
            for word, n in counted.items():
                for gram in _trigrams(word):
                    self._grams[k][gram] += n
        self._word_total = {k: sum(c.values()) or 1 for k, c in self._words.items()}
        self._gram_total = {k: sum(c.values()) or 1 for k, c in self._grams.items()}

    @classmethod
    def of_articles(cls, articles: Iterable[Article]) -> Profile:
        """From the articles' question-like text: titles, lead paragraphs, phrasings."""
        texts: dict[Lang, list[str]] = {"sv": [], "en": []}
        for a in articles:
            texts[a.lang].append("\n".join([a.title, a.body.partition("\n\n")[0], *a.questions]))
        return cls(texts)

    @staticmethod
    def _odds(counts: Mapping[str, Counter[str]], total: Mapping[str, int], key: str) -> float:
        """log(P(key | sv) / P(key | en)), half a count added to both."""
        sv = (counts["sv"][key] + 0.5) / total["sv"]
        en = (counts["en"][key] + 0.5) / total["en"]
        return math.log(sv / en)

    def _word_odds(self, word: str) -> float:
        if self._words["sv"][word] or self._words["en"][word]:
            return self._odds(self._words, self._word_total, word)
        grams = _trigrams(word)
        return sum(self._odds(self._grams, self._gram_total, g) for g in grams) / len(grams)

    def lean(self, text: str) -> float | None:
        """The words' mean log-odds (positive: Swedish), None without a word to read."""
        found = _profiled(text)
        if not found:
            return None
        return sum(self._word_odds(w) for w in found) / len(found)

    def guess(self, text: str) -> Lang | None:
        lean = self.lean(text)
        if lean is None or abs(lean) < self.MARGIN:
            return None
        return "sv" if lean > 0 else "en"


def guess_language(text: str, profile: Profile | None = None) -> Lang | None:
    """'sv' or 'en' when the function words, else the profile, give it away; else None."""
    score = language_votes(text)
    if score != 0:
        return "sv" if score > 0 else "en"
    return profile.guess(text) if profile is not None else None


def detect_language(text: str, default: Lang = "sv") -> Lang:
    """'sv' or 'en' for a question by its function words alone (no knowledge base at
    hand); `default` when they do not give the language away."""
    return guess_language(text) or default
