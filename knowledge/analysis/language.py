"""A small, fast sv/en language detector: function words, å/ä/ö, and word frequencies.

Questions are short, so statistical detectors are unreliable on them; the words that give a
language away in a question ("hur", "vad", "jag", "how", "what", "the") are few and
frequent. Every other word votes by how much commoner it is in one language's everyday text
than in the other's (wordfreq): "klistra", "skickade" vote Swedish, "customer", "teams"
English, while words both languages use alike ("chatgpt", "gdpr", "data", "in", "i") stay
neutral. Ties go to the default language (Swedish unless configured otherwise).
"""

from __future__ import annotations

import re

from knowledge.model import Lang
from knowledge.text import general_zipf

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
# function words of both languages ("klistra in", "i morgon" / "can i"): no evidence
AMBIGUOUS = frozenset({"i", "in", "man", "be", "hej", "ok", "e"})
# Zipf difference at which a word counts as one language's (a factor of about 30)
MIN_ZIPF_GAP = 1.5
_SWEDISH_LETTERS = frozenset("åäö")
CLEAR_LEAD = 3  # function-word lead at which the other words are not consulted


def _function_vote(token: str) -> int:
    """+1 for a Swedish function word (+2 more with å/ä/ö), -1 for an English one."""
    if token in AMBIGUOUS:
        return 0
    vote = (token in _SV) - (token in _EN)
    # å/ä/ö are strong evidence for Swedish (a name like "Åsa" in English is rare in a question)
    return vote + (0 if _SWEDISH_LETTERS.isdisjoint(token) else 2)


def _frequency_vote(token: str) -> int:
    """+1 when everyday Swedish uses the word far more than English does, -1 for the reverse."""
    if token in AMBIGUOUS or token in _SV or token in _EN:
        return 0
    gap = general_zipf(token, "sv") - general_zipf(token, "en")
    if gap >= MIN_ZIPF_GAP:
        return 1
    return -1 if gap <= -MIN_ZIPF_GAP else 0


def guess_language(text: str) -> Lang | None:
    """'sv' or 'en' when the words give it away, else None."""
    tokens = _WORD.findall(text.lower())
    score = sum(_function_vote(t) for t in tokens)
    if abs(score) < CLEAR_LEAD:
        # function words are unsure: let every other word vote (a dictionary look-up each)
        score += sum(_frequency_vote(t) for t in tokens)
    if score == 0:
        return None
    return "sv" if score > 0 else "en"


def detect_language(text: str, default: Lang = "sv") -> Lang:
    """'sv' or 'en' for a question; `default` when nothing gives the language away."""
    return guess_language(text) or default
