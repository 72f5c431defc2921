"""Placeholders in article text (`{{dpo_contact}}`, `{{client.controller}}` …), filled in
from a mapping passed in at answer time.

Every known placeholder has a generic fallback per language, so an article written for
the per-client rights-request desk reads well before any client directory exists: the
feature that knows the client passes `{"client.controller": "Acme AB", …}` and gets the
specific text. An unknown placeholder is a `gdpr-bot kb check` error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from knowledge.model import Lang

PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*\}\}")

FALLBACKS: dict[str, dict[Lang, str]] = {
    "dpo_contact": {"sv": "dataskyddsombudet", "en": "the data protection officer"},
    "client.controller": {
        "sv": "uppdragsgivaren (den personuppgiftsansvarige)",
        "en": "the client company (the controller)",
    },
    "client.rights_email": {
        "sv": "uppdragsgivarens kontaktväg för dataskyddsfrågor",
        "en": "the client's contact address for data protection requests",
    },
    "client.script": {
        "sv": "”Jag registrerar din begäran och skickar den vidare till företaget som "
        "ansvarar för dina uppgifter. De återkommer till dig inom en månad.”",
        "en": "“I'm registering your request and passing it on to the company responsible "
        "for your data. They will get back to you within one month.”",
    },
    "client.retention": {
        "sv": "den lagringstid som uppdragsgivaren har bestämt",
        "en": "the retention period the client company has set",
    },
}
KNOWN = frozenset(FALLBACKS)


def placeholders_in(text: str) -> list[str]:
    """Every placeholder name used in the text, in order."""
    return PLACEHOLDER.findall(text)


def unknown_in(text: str) -> list[str]:
    return [name for name in placeholders_in(text) if name not in KNOWN]


def malformed_in(text: str) -> list[int]:
    """Where a `{{` starts that is no placeholder (unclosed, or not a lower-case name):
    the reader would see it as typed, braces and all."""
    valid = {match.start() for match in PLACEHOLDER.finditer(text)}
    return [at.start() for at in re.finditer(r"\{\{", text) if at.start() not in valid]


def render(text: str, lang: Lang, values: Mapping[str, str]) -> str:
    """The text with each placeholder replaced by its value, else its generic fallback."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        if value:
            return value
        return FALLBACKS.get(name, {}).get(lang, match.group(0))

    return PLACEHOLDER.sub(fill, text)
