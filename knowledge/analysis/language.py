"""A small sv/en language detector: function words and the letters å, ä, ö.

Questions are short, so statistical detectors are unreliable on them; the words that give a
language away in a question ("hur", "vad", "jag", "how", "what", "the") are few, frequent
and the same whatever the topic. The lists hold function words only (pronouns,
prepositions, conjunctions, auxiliaries, question words): no topic word, so the detector
does not depend on the knowledge base. When they leave the language open, the answerer
asks which language's article vocabulary knows more of the words (see
`Answerer.language`), and after that the configured default language decides.
"""

from __future__ import annotations

from knowledge.analysis.tokens import tokens
from knowledge.model import Lang

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


def guess_language(text: str) -> Lang | None:
    """'sv' or 'en' when the words give it away, else None."""
    score = language_votes(text)
    if score == 0:
        return None
    return "sv" if score > 0 else "en"


def detect_language(text: str, default: Lang = "sv") -> Lang:
    """'sv' or 'en' for a question; `default` when nothing gives the language away."""
    return guess_language(text) or default
