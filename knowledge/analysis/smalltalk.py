"""Greetings, thanks and goodbyes: messages that are not questions and deserve a friendly
reply.

A message is small talk when every word in it is a greeting, a thank-you, a goodbye or
chat filler ("hej!", "tack så mycket", "hi there", "thanks a lot :)", "hej då!"). One
content word more ("hej, hur länge sparar vi samtal?") makes it a question. General
sv/en chat vocabulary, nothing about any topic. The words also say which language to
reply in ("hi" is English, "hej" Swedish), which the function-word detector cannot tell
from one word.
"""

from __future__ import annotations

from typing import Literal

from knowledge.analysis.tokens import has_words, tokens
from knowledge.model import Lang

SmallTalk = Literal["greeting", "thanks", "farewell"]

_GREETINGS = {
    "sv": "hej hejsan hejhej tjena tjenare tja hallå halloj morsning god morgon middag kväll dag",
    "en": "hi hello hey hiya howdy yo good morning afternoon evening there",
}
_THANKS = {
    "sv": "tack tackar tusen så mycket jättebra bra toppen perfekt schysst grymt super kanon",
    "en": "thanks thank thx ty you cheers much great perfect awesome nice lot appreciated",
}
# A goodbye is a greeting word with one of these ("hej då", "bye for now"), one of them
# that says goodbye alone ("vi ses", "adjö", "bye"), or "ha det" ("ha det bra")
_FAREWELLS = {
    "sv": "då vi ses hörs ha det adjö",
    "en": "bye goodbye later for now",
}
_FAREWELL_ALONE = frozenset({"ses", "hörs", "adjö", "bye", "goodbye", "later"})
_HA_DET = frozenset({"ha", "det"})
_FILLER = {
    "sv": "ok okej alla allihop bot boten du igen och",
    "en": "ok okay all everyone bot again a so very and",
}
_THANK_WORDS = frozenset({"tack", "tackar", "thanks", "thank", "thx", "ty", "cheers"})


def _words(table: dict[str, str], lang: str | None = None) -> frozenset[str]:
    return frozenset(w for k, text in table.items() if lang in (None, k) for w in text.split())


GREETINGS = _words(_GREETINGS)
THANKS = _words(_THANKS)
FAREWELLS = _words(_FAREWELLS)
FILLER = _words(_FILLER)
_BY_LANG: dict[Lang, frozenset[str]] = {
    lang: _words(_GREETINGS, lang)
    | _words(_THANKS, lang)
    | _words(_FAREWELLS, lang)
    | _words(_FILLER, lang)
    for lang in ("sv", "en")
}


def small_talk(text: str) -> SmallTalk | None:
    """'greeting', 'thanks' or 'farewell' when the message is only that, else None."""
    if not has_words(text):
        return None
    words = tokens(text)
    if not words or len(words) > 6:
        return None
    vocabulary = GREETINGS | THANKS | FAREWELLS | FILLER
    if any(word not in vocabulary for word in words):
        return None
    if any(word in _THANK_WORDS for word in words):
        return "thanks"
    if any(word in FAREWELLS for word in words):
        said = set(words)
        if said & (_FAREWELL_ALONE | GREETINGS) or said >= _HA_DET:
            return "farewell"
        return None  # "då", "for now": goodbye words that say nothing alone
    if any(word in GREETINGS for word in words) and not {"god", "good"} >= set(words):
        return "greeting"
    return None


def small_talk_language(text: str) -> Lang | None:
    """The language of a small-talk message ("hi" -> en, "tack!" -> sv), None when its
    words are used alike in both ("ok", "super") or it is not small talk."""
    if small_talk(text) is None:
        return None
    words = tokens(text)
    sv = sum(w in _BY_LANG["sv"] and w not in _BY_LANG["en"] for w in words)
    en = sum(w in _BY_LANG["en"] and w not in _BY_LANG["sv"] for w in words)
    if sv == en:
        return None
    return "sv" if sv > en else "en"
