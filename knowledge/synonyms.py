"""A small GDPR synonym map: how people say it -> the words the articles use.

A matched word gets the canonical words as alternatives (see `LanguageIndex.slots`); a
single-word match that is not itself a corpus word is replaced ("boter" would otherwise
stem to "bot", the chat bot). The map is deliberately short and
about vocabulary, not about any particular question: slang, abbreviations, English words
in Swedish sentences, and the everyday word for a legal term.
"""

from __future__ import annotations

import re

from knowledge.model import Lang

# "sent it to the wrong address" is a breach, whatever else the sentence says about addresses
SENT_TO_WRONG = {
    "sv": r"\bskick\w* (?:\w+ ){0,3}till fel\b",
    "en": r"\b(?:sen[dt]|mail|email)\w* (?:\w+ ){0,3}to (?:the |a )?wrong\b",
}

# (pattern, canonical words) or (pattern, canonical words, unless-pattern)
Rule = tuple[str, str] | tuple[str, str, str]

_SV: tuple[Rule, ...] = (
    # fines
    # "böter", "boter", "bötesbelopp", "bötfälla", "böta"; not "bot", "boten", "botten" (the
    # chat bot, the bottom): without the ö a singular "bot" is far likelier to be the bot
    (
        r"\bb[öo]ter(?:na)?\b|\bböt(?:es|fäll)\w*|\bböt(?:a|en)?\b|\bstraff\w*|\bvite\b"
        r"|\bfines?\b",
        "sanktionsavgift böter",
    ),
    # erasure
    (r"\bbortgl[öo]m\w*|\bgl[öo]md\w*|\bforgotten\b", "radering"),
    (r"\bta(?:s|r)? bort\b|\btog bort\b|\bdelet\w*|\bsudda\w*|\bwipe\w*", "radering radera"),
    # access
    (r"\bsar\b|\bdsar\b|\bregisterutdr\w*|\butdrag\w*", "registerutdrag"),
    (
        r"\ballt (?:ni|vi|man) (?:har|vet)(?: \w+)? om\b"
        r"|\b(?:vad|vilka|vilken|vilket)(?: \w+){0,2} (?:ni|vi) har (?:\w+ )?(?:om|på) "
        r"(?:mig|honom|henne|hen|dem|dom)\b"
        r"|\b(?:vad|vilka|vilken|vilket)(?: \w+)? har (?:ni|vi)(?: \w+){0,2} (?:om|på) "
        r"(?:mig|honom|henne|hen|dem|dom)\b"
        r"|\bbegär\w* ut\b|\b(?:få|ha) ut\b|\bvet om (?:mig|honom|henne|hen)\b",
        "registerutdrag",
    ),
    (r"\bkosta\w*|\bgratis\b|\bta betalt\b|\bbetala\w*", "kostnadsfritt avgift"),
    # breaches
    (
        r"\bl[äa]ck\w*|\bdataintr[åa]ng\w*|\bhack\w*|\bfel mottagare\b|\bfel (?:person|kund)\b"
        r"|\bstul\w*|\bstöld\w*|\btappa\w*|\bbortappad\w*|\bborttappad\w*"
        r"|" + SENT_TO_WRONG["sv"],
        "personuppgiftsincident",
    ),
    # roles and agreements
    (r"\bdso\b|\bdpo\b", "dataskyddsombud"),
    (r"\bpub-?avtal\w*|\bpuba\b|\bdpa\b|\bbitr[äa]desavtal\w*", "personuppgiftsbiträdesavtal"),
    (r"\bunderleverant[öo]r\w*|\bunderbitr[äa]d\w*", "underbiträde"),
    # channels
    (r"\bm[ea]j?l(?:a|en|et|ade|ar)?\b|\bmail\w*|\bepost\b", "e-post"),
    # retention
    (r"\bgallr\w*", "gallring"),
    (
        r"\bhur länge\b.*\b(?:spara|sparas|behålla|ha kvar|lagra)\w*"
        r"|\b(?:spara|behålla|ha kvar|lagra)\w*\b.*\bhur länge\b",
        "lagringstid",
    ),
    (r"\bdatainspektionen\b|\btillsynsmyndighet\w*", "imy"),
    (r"\busa\b|\bamerika\w*|\bförenta staterna\b|\butanför eu\b", "tredjeland"),
    (
        r"\bfel (?:uppgift|adress|namn|nummer|telefonnummer|personnummer|efternamn)\w*"
        r"|\b(?:uppgift|adress|namn|nummer|telefonnummer|efternamn|förnamn)\w* (?:\w+ ){0,2}"
        r"(?:fel|felaktig\w*|felstavad\w*|inaktuell\w*|gammal|gamla)\b"
        r"|\bfelstava\w*|\bstämmer inte\b|\binkorrekt\w*",
        "rättelse felaktiga",
        SENT_TO_WRONG["sv"],
    ),
    (r"\bh[äa]lsa\b|\bsjuk(?:dom\w*)?\b|\bdiagnos\w*|\breligion\w*", "känsliga"),
    (r"\bgodkänn\w*|\bgodkän\w*", "samtycke"),
    (r"\bspela(?:r|s|de)? in\b", "inspelning"),
    (r"\bdela skärm\w*|\bclean desk\b|\brent skrivbord\b", "skärmdelning"),
    (r"\bnyhetsbrev\w*|\breklam\w*|\bsäljsamtal\w*|\bspam\b", "direktmarknadsföring"),
    (
        r"\bflytta\w* (?:sina |mina |hans |hennes )?(?:uppgifter|data)\b"
        r"|\bflytta\w*\b.*\b(?:annat företag|annan leverantör|konkurrent)\w*",
        "dataportabilitet",
    ),
    (r"\bdataincident\w*|\bsäkerhetsincident\w*|\bdataläck\w*", "personuppgiftsincident"),
    (r"\bbesvara\w*|\båterkoppla\w*|\bsvara\b", "svar besvara"),
    (
        r"\bberätta\w* (?:det )?för (?:kunden|kunderna|kund|de drabbade|drabbade|alla|dem|dom)\b"
        r"|\bsäga till (?:kunden|kunderna|de drabbade)\b",
        "informera",
    ),
    (r"\bsäkert\b|\btryggt\b", "säker"),
    (r"\bborta\b|\bförsvun\w*|\bfinns inte kvar\b|\bkommit bort\b", "raderade gallrade"),
    (
        r"\bsur\b|\barg\b|\bförbannad\b|\birriterad\w*|\bupprörd\b|\bsjukt sur\b|\bmissnöjd\b",
        "irriterad",
    ),
    (r"\bfå tag på\b|\bnå\b|\bkontakta\w*", "kontakt kontakta"),
    (
        r"\b(?:bryter|bryta|bröt|brutit|brott) (?:mot )?(?:gdpr|lagen|reglerna|dataskydd\w*)\b"
        r"|\böverträd\w*",
        "sanktionsavgift överträdelse",
    ),
    (r"\bkontrollera vem\b|\bbank-?id\b|\bär (?:det|hen|han|hon) verkligen\b", "identitet"),
)

_EN: tuple[Rule, ...] = (
    (r"\bfines?\b|\bpenalt(?:y|ies)\b|\bsanctions?\b|\bfined\b", "fine"),
    (r"\bforgotten\b|\bforget me\b|\bwipe\w*|\bdelet\w*|\bremov\w*|\berase\b", "erasure"),
    (
        r"\bsars?\b|\bdsars?\b|\bsubject access\b|\beverything (?:we|you) (?:have|hold|store)\b"
        r"|\ball (?:the )?(?:data|information|info) (?:we|you) (?:have|hold)\b"
        r"|\bcopy of (?:his|her|their|my) data\b"
        r"|\bwhat (?:data|info\w*|details) (?:do )?(?:we|you) (?:have|hold|keep|store)\b"
        r"|\b(?:what|which)(?: \w+){0,2} (?:we|you) (?:have|hold|keep|store|got) (?:on|about) "
        r"(?:me|him|her|them)\b",
        "access",
    ),
    (r"\bcharge\w*|\bfees?\b|\bcosts?\b|\bfree\b", "free charge"),
    (
        r"\bleak\w*|\bhack\w*|\bwrong (?:recipient|person|customer)\b|\bstolen\b"
        r"|\bmisdirected\b|\bsent by mistake\b|" + SENT_TO_WRONG["en"],
        "breach",
    ),
    (r"\bdpo\b|\bprivacy officer\b", "data protection officer"),
    (r"\bdpa\b|\bvendor contract\b", "processing agreement"),
    (r"\bsubcontractors?\b|\bsub-processors?\b", "sub-processor"),
    (r"\be-?mail\w*", "email"),
    (
        r"\bhow long\b.*\b(?:keep|store|retain|hold)\w*"
        r"|\b(?:keep|store|retain|hold)\w*\b.*\bhow long\b",
        "retention",
    ),
    (r"\bdatainspektionen\b|\bregulator\b|\bwatchdog\b", "imy"),
    (
        r"\bwrong (?:data|details|information|address|name|phone|number|email)\b"
        r"|\b(?:data|details|information|address|name|phone|number|email|surname)"
        r"(?: number)? (?:is|are|was|were) (?:\w+ )?(?:wrong|incorrect|misspelled|outdated)\b"
        r"|\bmisspel\w*|\bspelled (?:\w+ ){0,2}wrong\b|\bout of date\b",
        "inaccurate rectification",
        SENT_TO_WRONG["en"],
    ),
    # "the US" / "USA": a third country; "us" alone is the pronoun (and a stop word)
    (r"\bthe us\b|\busa\b|\bu\.s\.a?\b|\bunited states\b|\bamerica\b", "third country"),
    (r"\billness\w*|\bsick\w*|\bmedical\b|\bdiagnos\w*", "health"),
    (r"\bopt[- ]?in\b", "consent"),
    (r"\brecord(?:ed|ing|ings)? (?:the |our )?(?:phone )?calls?\b", "call recording"),
    (r"\bnewsletters?\b|\bspam\b|\bsales calls?\b|\bunsubscrib\w*", "direct marketing"),
    (r"\bmove (?:his|her|their|my) data\b|\btake (?:his|her|their|my) data\b", "portability"),
    (r"\brepl(?:y|ies|ied|ying)\b|\brespon(?:d|ds|ded|ding|se)\b", "answer respond"),
    (
        r"\b(?:tell|told|let) (?:the |our |all )?(?:customers?|people|everyone|them|callers?"
        r"|affected|users?)\b(?: know)?",
        "inform",
    ),
    (r"\bsafe(?:ly)?\b", "secure securely"),
    (r"\bgone\b|\bdisappeared\b|\bmissing\b|\bvanished\b", "deleted"),
    (r"\bangry\b|\bannoyed\b|\bupset\b|\bfurious\b|\birritated\b|\bmad\b|\bpissed\b", "irritated"),
    (r"\bget in touch\b|\breach\b|\bcontact\w*", "contact"),
    (
        r"\b(?:break|breaks|breaking|broke|violat\w*|infring\w*) (?:the )?(?:gdpr|law|rules)\b"
        r"|\binfringement\w*",
        "fine infringement",
    ),
    (
        r"\bwho (?:i am|i'm) talking to\b|\bcaller is (?:really )?who\b"
        r"|\bprove (?:who|their identity|his identity|her identity)\b",
        "identity",
    ),
    (
        r"\b(?:data|details|information) (?:as|in) (?:a |an )?(?:spreadsheet|excel|csv)\b",
        "portability",
    ),
)

_NEVER = re.compile(r"(?!x)x")


def _compile(rules: tuple[Rule, ...]) -> tuple[tuple[re.Pattern[str], str, re.Pattern[str]], ...]:
    return tuple(
        (re.compile(rule[0]), rule[1], re.compile(rule[2]) if len(rule) == 3 else _NEVER)
        for rule in rules
    )


_COMPILED = {"sv": _compile(_SV), "en": _compile(_EN)}


def expand(text: str, lang: Lang) -> list[tuple[str, str]]:
    """(matched text, canonical words) for every synonym pattern the question matches.

    The caller treats the canonical words as alternatives of the matched words, so a
    synonym can make a word recognisable but never adds weight of its own.
    """
    lowered = text.lower()
    found: list[tuple[str, str]] = []
    for pattern, canonical, unless in _COMPILED[lang]:
        match = pattern.search(lowered)
        if match and not unless.search(lowered):
            found.append((match.group(), canonical))
    return found
