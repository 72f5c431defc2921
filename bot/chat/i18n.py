"""Every user-facing chat string, in Swedish and English, behind one function: `t(key, lang)`.

The conversation core's strings are below; each feature and platform adds its own at
import with `add_strings`, keys prefixed by its name ("routines.header", "reports.title",
"teams.send"). Swedish is first-class: a table must give every key in both languages,
and an unknown language falls back to Swedish rather than to a key name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Lang = str  # "sv" | "en"

STRINGS: dict[str, dict[str, str]] = {
    "sv": {
        "greeting": (
            "Hej! Jag är GDPR-boten. Jag svarar på frågor om dataskydd utifrån "
            "godkänt innehåll, påminner om rutiner och tar emot kvitteringar."
        ),
        "help.title": "*Det här kan jag*",
        "help.footer": "Svaren kommer från företagets godkända kunskapsbas och anger källa.",
        "no_routines": "Inga rutiner ännu.",
        "not_available": "Det där finns inte i den här installationen ännu.",
        "ask_what": "Vad vill du fråga? Skriv till exempel `fråga hur länge får vi spara samtal?`",
        "source": "Källa",
        "owner": "Ansvarig",
        "reviewed": "Granskad",
        "fallback.contact": "Kontakta {dpo} om du behöver hjälp direkt.",
        "feedback.thanks": "Tack för din återkoppling!",
        "feedback.was_helpful": "Var svaret till hjälp?",
        "error": "Något gick fel hos mig. Försök igen om en stund.",
        "unknown_action": "Den knappen känner jag inte igen längre.",
        "which_client": "Vilken kund gäller det? Välj kunden så får du deras "
        "personuppgiftsansvarige, kontaktväg och vad du säger till den som ringer.",
        "home.title": "GDPR-boten",
        "home.pending": "*Dina väntande rutiner*",
        "home.help_link": (
            "Skriv `hjälp` i ett direktmeddelande till mig för att se alla kommandon."
        ),
        "bye": "Hej då!",
        "too_long": "Frågan var lång; jag har läst de första {limit} tecknen.",
    },
    "en": {
        "greeting": (
            "Hi! I am the GDPR bot. I answer data-protection questions from approved "
            "content, remind you of routines and take confirmations."
        ),
        "help.title": "*What I can do*",
        "help.footer": (
            "Answers come from your company's approved knowledge base and name their source."
        ),
        "no_routines": "No routines yet.",
        "not_available": "That is not available in this installation yet.",
        "ask_what": (
            "What would you like to ask? For example `ask how long may we keep call recordings?`"
        ),
        "source": "Source",
        "owner": "Owner",
        "reviewed": "Reviewed",
        "fallback.contact": "Contact {dpo} if you need help right away.",
        "feedback.thanks": "Thanks for your feedback!",
        "feedback.was_helpful": "Was this helpful?",
        "error": "Something went wrong on my side. Please try again in a moment.",
        "unknown_action": "I no longer recognise that button.",
        "which_client": "Which client is it? Pick the client to get its controller, where "
        "requests go and what to tell the caller.",
        "home.title": "GDPR bot",
        "home.pending": "*Your pending routines*",
        "home.help_link": "Send me `help` in a direct message to see every command.",
        "bye": "Goodbye!",
        "too_long": "Your question was long; I read the first {limit} characters.",
    },
}


def normalise_lang(lang: str | None, default: str = "sv") -> str:
    if lang in STRINGS:
        return str(lang)
    return default if default in STRINGS else "sv"


def add_strings(strings: Mapping[str, Mapping[str, str]]) -> None:
    """Add a feature's strings. Raises ValueError when a language lacks a key the other has,
    or when a key is already taken with different text (two features, one key)."""
    sv, en = dict(strings.get("sv", {})), dict(strings.get("en", {}))
    if set(strings) - {"sv", "en"} or sv.keys() != en.keys():
        missing = sorted(sv.keys() ^ en.keys()) or sorted(set(strings) - {"sv", "en"})
        raise ValueError(f"strings must come in sv and en alike; check {missing}")
    for lang, table in (("sv", sv), ("en", en)):
        for key, text in table.items():
            if STRINGS[lang].get(key, text) != text:
                raise ValueError(f"string key {key!r} is already taken")
    STRINGS["sv"].update(sv)
    STRINGS["en"].update(en)


def t(key: str, lang: str | None, **values: Any) -> str:
    """The string `key` in `lang` (Swedish when the language or key is unknown)."""
    table = STRINGS.get(lang or "sv", STRINGS["sv"])
    template = table.get(key) or STRINGS["sv"][key]
    return template.format(**values) if values else template
