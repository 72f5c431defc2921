"""Stop words: bm25s's lists plus the filler of spoken questions ("undrar", "typ", "please").

Kept as whitespace-separated text so the lists stay readable; they only ever grow with
words that carry no topic in a GDPR question.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType


def _bm25s_stopwords() -> ModuleType:
    """`bm25s.stopwords` (plain tuples of words) without running bm25s's package import
    (its retrievers and accelerator probes, ~0.04 s of CPU): a start that loads the
    lexical index from its cache (retrieval/lexical_cache.py) never needs the rest."""
    if "bm25s" in sys.modules:
        return importlib.import_module("bm25s.stopwords")
    package = importlib.util.find_spec("bm25s")
    folders = package.submodule_search_locations if package else None
    spec = importlib.util.spec_from_file_location(
        "bm25s.stopwords", f"{next(iter(folders or ()), '')}/stopwords.py"
    )
    if spec is None or spec.loader is None:  # not where a package keeps it: the usual way
        return importlib.import_module("bm25s.stopwords")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not registered: `import bm25s` later is untouched
    return module


_BM25S = _bm25s_stopwords()
STOPWORDS_EN: tuple[str, ...] = _BM25S.STOPWORDS_EN
STOPWORDS_SWEDISH: tuple[str, ...] = _BM25S.STOPWORDS_SWEDISH

_EXTRA_SV = """
    annan annat andra någonting nånting grej grejer sak saker
    alltså bara behöver borde bör dej dit där då eftersom egentligen ens era fanns fick
    finns fråga frågar får gjorde gjort gör göra hej hen henom hens hit hos ifall in ju just
    kolla kommer liksom lite man mej måste nog någon något nån nåt också ok okej sa sagt sej
    sen sin sina sitt ska skall snälla säger tack typ undrar vilka vilken vilket vill väl
    våran vårat även
"""
_EXTRA_EN = """
    else somebody anybody thing things stuff kind sort
    a about above actually after again against all also am an and any anyone anything are as
    ask asked asks at be because been before being below between both but by can cant could
    did do does doesnt doing done dont down during each even ever few for from further get
    got had has have having he hello her here hers herself hes hi him himself his how i if
    im in into is it its itself ive just let lets may me might more most must my myself need
    needs no nor not now of off ok okay on once only or other our ours ourselves out over
    own please really said same says shall she shes should so some someone something still
    such tell than thanks that the their theirs them themselves then there these they theyre
    this those through to too under until up us very want wanted wants was we were what
    whats when where which while who whom why will with would you your yours yourself
    yourselves
"""

# Interjections and chat filler, in both lists because people mix them ("oj", "oops",
# "asså", "lol", "pls"). "e" and "ba" are how "är" and "bara" are typed in a hurry.
_CHAT_FILLER = """
    oj oops hoppsan hmm hm mm ehm eh öh um uh ugh aha haha jaha asså assa alltså typ liksom
    e ba lol pls plz plis snälla btw fyi asap hey hi hej hejsan tjena hallå tack tacksam thanks
    thx ty cheers via
"""
# forms of "have" / "ha" that the base lists miss
_AUXILIARIES_SV = " haft hade ha "

STOPWORDS: dict[str, frozenset[str]] = {
    "sv": frozenset(STOPWORDS_SWEDISH)
    | frozenset((_EXTRA_SV + _CHAT_FILLER + _AUXILIARIES_SV).split()),
    "en": frozenset(STOPWORDS_EN) | frozenset((_EXTRA_EN + _CHAT_FILLER).split()),
}
