"""Greetings and thanks: messages that are not questions and deserve a friendly reply.

A message is small talk when every word in it is a greeting, a thank-you or chat filler
("hej!", "tack så mycket", "hi there", "thanks a lot :)"). One content word more
("hej, hur länge sparar vi samtal?") makes it a question. General sv/en chat vocabulary,
nothing about any topic.
"""

from __future__ import annotations

from typing import Literal

from knowledge.analysis.tokens import has_words, tokens

SmallTalk = Literal["greeting", "thanks"]

_GREETINGS = """
    hej hejsan hejhej tjena tjenare tja hallå halloj morsning god morgon middag kväll dag
    hi hello hey hiya howdy yo good morning afternoon evening there
"""
_THANKS = """
    tack tackar tusen så mycket jättebra bra toppen perfekt schysst grymt super kanon
    thanks thank thx ty you cheers much great perfect awesome nice lot appreciated
"""
_FILLER = "ok okej okay alla allihop all everyone bot boten du igen again a so very och and"
GREETINGS = frozenset(_GREETINGS.split())
THANKS = frozenset(_THANKS.split())
FILLER = frozenset(_FILLER.split())


def small_talk(text: str) -> SmallTalk | None:
    """'greeting' or 'thanks' when the message is only that, else None."""
    if not has_words(text):
        return None
    words = tokens(text)
    if not words or len(words) > 6:
        return None
    vocabulary = GREETINGS | THANKS | FILLER
    if any(word not in vocabulary for word in words):
        return None
    if any(word in {"tack", "tackar", "thanks", "thank", "thx", "ty", "cheers"} for word in words):
        return "thanks"
    if any(word in GREETINGS for word in words) and not {"god", "good"} >= set(words):
        return "greeting"
    return None
