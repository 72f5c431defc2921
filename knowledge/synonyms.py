"""A small GDPR synonym map: how people say it -> the words the articles use.

Applied to the question before analysis: when a pattern matches, the canonical words are
appended (the original words stay, so nothing is lost). The map is deliberately short and
about vocabulary, not about any particular question: slang, abbreviations, English words
in Swedish sentences, and the everyday word for a legal term.
"""

from __future__ import annotations

import re

from knowledge.model import Lang

_SV: tuple[tuple[str, str], ...] = (
    (
        r"\bb[öo]t(?:er|erna|a|en)?\b|\bstraff(?:et|avgift\w*)?\b|\bvite\b",
        "sanktionsavgift sanktionsavgifter",
    ),
    (r"\bfines?\b|\bpenalt(?:y|ies)\b", "sanktionsavgift sanktionsavgifter"),
    (r"\bbortgl[öo]m\w*|\bgl[öo]md\w*|\bforgotten\b", "radering radera"),
    (
        r"\bta bort\b|\btas bort\b|\btog bort\b|\bdelet\w*|\bsudda\w*|\bt[öo]mm\w*",
        "radering radera",
    ),
    (r"\bsar\b|\bdsar\b|\bregisterutdr\w*|\butdrag\w*", "registerutdrag tillgång"),
    (
        r"\ballt (?:ni|vi) har om\b|\bvad (?:ni|vi) har (?:sparat|lagrat) om\b|\bbegära ut\b"
        r"|\bfå ut\b|\bfå se\b|\bvet om (?:mig|honom|henne)\b",
        "registerutdrag tillgång",
    ),
    (
        r"\bl[äa]ck\w*|\bdataintr[åa]ng\w*|\bhack\w*|\bintr[åa]ng\w*|\bfel mottagare\b"
        r"|\bfel person\b|\bfel kund\b|\bkommit bort\b|\bstul\w*|\btappa\w*|\bbortappad\w*",
        "personuppgiftsincident incident",
    ),
    (r"\bdso\b|\bdpo\b|\bdataskyddsansvarig\w*", "dataskyddsombud"),
    (r"\bpub-?avtal\w*|\bpuba\b|\bdpa\b|\bbitr[äa]desavtal\w*", "personuppgiftsbiträdesavtal"),
    (r"\bleverant[öo]r\w*|\bunderleverant[öo]r\w*|\bbitr[äa]de\b", "personuppgiftsbiträde"),
    (r"\bm[ea]j?l(?:a|en|et|ade|ar)?\b|\bmail\w*|\bepost\b", "e-post"),
    (r"\bgallr\w*", "gallring lagringstid"),
    (
        r"\bhur länge\b.*\b(?:spara|sparas|behålla|ha kvar|lagra)\w*"
        r"|\b(?:spara|behålla|ha kvar|lagra)\w*\b.*\bhur länge\b",
        "lagringstid gallring",
    ),
    (
        r"\bdatainspektionen\b|\bintegritetsskyddsmyndigheten\b|\btillsynsmyndighet\w*",
        "imy integritetsskyddsmyndigheten",
    ),
    (
        r"\bfel (?:uppgift|adress|namn|nummer)\w*|\bstämmer inte\b|\binkorrekt\w*",
        "rättelse rätta felaktiga",
    ),
    (
        r"\bkänsliga?\b|\bh[äa]ls(?:a|o)\w*|\bsjukdom\w*|\bdiagnos\w*|\breligion\w*",
        "känsliga personuppgifter",
    ),
    (r"\bsamtycke\w*|\bgodkänn\w*|\bgodkän\w*|\bjaa?\s+till\b", "samtycke"),
    (r"\binspelning\w*|\bspela(?:r|s|de)? in\b|\bsamtalsinspelning\w*", "inspelning samtal"),
    (
        r"\bskärmdelning\w*|\bdela skärm\w*|\bclean desk\b|\brent skrivbord\b",
        "skärmdelning skrivbord",
    ),
    (
        r"\bnyhetsbrev\w*|\butskick\w*|\breklam\w*|\bmarknadsföring\w*|\bsäljsamtal\w*",
        "direktmarknadsföring invändning",
    ),
    (
        r"\bflytta\w* (?:sina|mina|hans|hennes)? ?(?:uppgifter|data)\b|\bportab\w*",
        "dataportabilitet",
    ),
    (
        r"\bvem är hen\b|\bär det verkligen\b|\bkontrollera vem\b|\bbank-?id\b",
        "identitet verifiera",
    ),
)

_EN: tuple[tuple[str, str], ...] = (
    (r"\bfines?\b|\bpenalt(?:y|ies)\b|\bsanctions?\b|\bfined\b", "fine fines administrative"),
    (r"\bforgotten\b|\bforget\b|\bwipe\w*|\bdelet\w*|\bremov\w*|\berase\w*", "erasure erase"),
    (
        r"\bsars?\b|\bdsars?\b|\bsubject access\b|\beverything (?:we|you) (?:have|hold|store)\b"
        r"|\ball (?:the )?(?:data|information|info) (?:we|you) (?:have|hold)\b|\bcopy of (?:his|her"
        r"|their|my) data\b|\bwhat data (?:we|you) (?:have|hold)\b",
        "access request subject",
    ),
    (
        r"\bleak\w*|\bhack\w*|\bwrong (?:recipient|person|customer|address)\b|\bstolen\b|\blost\b"
        r"|\bmisdirected\b|\bsent by mistake\b",
        "breach personal data breach",
    ),
    (r"\bdpo\b|\bprivacy officer\b", "data protection officer"),
    (r"\bdpa\b|\bprocessor agreement\b|\bvendor contract\b", "data processing agreement"),
    (r"\bvendors?\b|\bsuppliers?\b|\bsubcontractors?\b|\bsub-processors?\b", "processor"),
    (r"\be-?mail\w*|\bmail\b", "email"),
    (
        r"\bhow long\b.*\b(?:keep|store|retain|hold)\w*|\b(?:keep|store|retain|hold)\w*\b.*"
        r"\bhow long\b",
        "retention storage limitation",
    ),
    (r"\bdatainspektionen\b|\bregulator\b|\bsupervisory\b|\bwatchdog\b", "imy authority"),
    (
        r"\bwrong (?:data|details|information|address|name)\b|\bincorrect\b|\bout of date\b"
        r"|\boutdated\b|\bmistake in\b",
        "rectification inaccurate",
    ),
    (
        r"\bhealth\b|\bmedical\b|\breligio\w*|\bethnic\w*|\bspecial categor\w*",
        "sensitive special category",
    ),
    (r"\bopt[- ]?in\b|\bagree\w*\b", "consent"),
    (r"\brecord(?:ed|ing|ings)? (?:the )?calls?\b|\bcall recording\w*", "call recording"),
    (r"\bscreen ?shar\w*|\bclean desk\b", "screen sharing clean desk"),
    (
        r"\bnewsletter\w*|\bmarketing\b|\bspam\b|\bsales calls?\b|\bunsubscrib\w*",
        "direct marketing object",
    ),
    (
        r"\bportab\w*|\bmove (?:his|her|their|my) data\b|\btransfer (?:his|her|their) data\b",
        "data portability",
    ),
    (
        r"\bwho (?:i am|i'm|they are) talking to\b|\bverify\w*|\bidentif\w*|\bcaller is\b",
        "identity verification",
    ),
)

_COMPILED: dict[Lang, tuple[tuple[re.Pattern[str], str], ...]] = {
    "sv": tuple((re.compile(p), words) for p, words in _SV),
    "en": tuple((re.compile(p), words) for p, words in _EN),
}


def expand(text: str, lang: Lang) -> list[tuple[str, str]]:
    """(matched text, canonical words) for every synonym pattern the question matches.

    The caller treats the canonical words as alternatives of the matched words, so a
    synonym can make a word recognisable but never adds weight of its own.
    """
    lowered = text.lower()
    found: list[tuple[str, str]] = []
    for pattern, canonical in _COMPILED[lang]:
        match = pattern.search(lowered)
        if match:
            found.append((match.group(), canonical))
    return found
