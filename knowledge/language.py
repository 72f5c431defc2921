"""A small, fast sv/en language detector: function words plus å/ä/ö.

Questions are short, so statistical detectors are unreliable on them; the words that give a
language away in a question ("hur", "vad", "jag", "how", "what", "the") are few and
frequent. Ties go to the default language (Swedish unless configured otherwise).
"""

from __future__ import annotations

import re

from knowledge.model import Lang

_WORD = re.compile(r"[a-zåäöéü]+")
_SV = frozenset(
    [
        "och",
        "att",
        "det",
        "som",
        "en",
        "ett",
        "är",
        "på",
        "för",
        "med",
        "till",
        "av",
        "inte",
        "har",
        "jag",
        "vi",
        "ni",
        "du",
        "hur",
        "vad",
        "vem",
        "vilka",
        "vilken",
        "vilket",
        "varför",
        "när",
        "kan",
        "ska",
        "skall",
        "måste",
        "får",
        "om",
        "kunden",
        "kund",
        "hen",
        "han",
        "hon",
        "den",
        "det",
        "sina",
        "sin",
        "mina",
        "min",
        "vår",
        "våra",
        "ut",
        "från",
        "eller",
        "men",
        "så",
        "också",
        "bara",
        "nu",
        "gör",
        "göra",
        "vill",
        "finns",
        "blir",
        "efter",
        "mot",
        "utan",
        "uppgifter",
        "personuppgifter",
        "registerutdrag",
        "samtycke",
    ]
)
_EN = frozenset(
    [
        "the",
        "and",
        "to",
        "of",
        "a",
        "an",
        "is",
        "are",
        "in",
        "on",
        "for",
        "with",
        "what",
        "how",
        "who",
        "when",
        "where",
        "why",
        "which",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "must",
        "may",
        "we",
        "you",
        "he",
        "she",
        "they",
        "it",
        "this",
        "that",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "customer",
        "customers",
        "about",
        "from",
        "has",
        "have",
        "be",
        "been",
        "will",
        "would",
        "not",
        "request",
        "rights",
        "breach",
        "is",
        "was",
        "were",
        "there",
        "here",
        "get",
        "got",
        "make",
        "makes",
        "made",
        "need",
        "needs",
        "want",
        "wants",
        "know",
        "if",
        "any",
        "all",
        "some",
        "our",
        "us",
        "me",
        "them",
        "then",
        "than",
        "also",
        "just",
        "only",
        "own",
        "right",
    ]
)
_SWEDISH_LETTER = re.compile(r"\b\w*[åäö]\w*\b")


def guess_language(text: str) -> Lang | None:
    """'sv' or 'en' when the function words or å/ä/ö give it away, else None."""
    tokens = _WORD.findall(text.lower())
    sv = sum(1 for t in tokens if t in _SV)
    en = sum(1 for t in tokens if t in _EN)
    # å/ä/ö are strong evidence for Swedish (a name like "Åsa" in English is rare in a question)
    sv += 2 * len(_SWEDISH_LETTER.findall(" ".join(t for t in tokens if not t.isascii())))
    if sv == en:
        return None
    return "sv" if sv > en else "en"


def detect_language(text: str, default: Lang = "sv") -> Lang:
    """'sv' or 'en' for a question; `default` when nothing gives the language away."""
    return guess_language(text) or default
