"""`{{client.X}}` placeholders: a client's facts in an article, or a generic text without one.

Articles name the controller, the referral address and the retention rules through
placeholders, so the facts come from the client directory, never from free text. When no
client is known, each placeholder has a generic fallback that reads correctly in the same
sentence ("inom {{client.forward_within}}" → "inom 1 arbetsdag" with a client, "inom den tid
som avtalats med kundföretaget" without).

A client without an e-mail address, URL or phone number gets its other contacts for that
placeholder: `{{client.rights_email}}` then still names a real way to reach the controller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from clients.model import Client, Lang

PLACEHOLDERS: tuple[str, ...] = (
    "client.name",
    "client.controller",
    "client.rights_email",
    "client.rights_url",
    "client.rights_phone",
    "client.rights_contact",
    "client.script",
    "client.retention",
    "client.forward_within",
)
# A client's script may use the other placeholders (its address, its name), not these two.
NOT_IN_SCRIPT: frozenset[str] = frozenset({"client.script", "client.retention"})

_PATTERN = re.compile(r"\{\{\s*(client\.[A-Za-z0-9_.]*)\s*\}\}")

_CONTACT = "kundföretagets kontaktväg för dataskyddsfrågor (se kundens integritetspolicy)"
_CONTACT_EN = "the client company's contact for data protection requests (see its privacy policy)"
FALLBACK: Mapping[Lang, Mapping[str, str]] = {
    "sv": {
        "client.name": "kundföretaget",
        "client.controller": "kundföretaget (personuppgiftsansvarig)",
        "client.rights_email": _CONTACT,
        "client.rights_url": _CONTACT,
        "client.rights_phone": _CONTACT,
        "client.rights_contact": _CONTACT,
        "client.script": (
            "Vi svarar för kundföretagets räkning, och det är kundföretaget som är "
            "personuppgiftsansvarigt för dina uppgifter. Därför är det de som hanterar din "
            "begäran. Jag skickar vidare den till dem, och de ska svara dig inom en månad."
        ),
        "client.retention": (
            "Hur länge uppgifterna sparas bestämmer kundföretaget (personuppgiftsansvarig); "
            "det står i kundens integritetspolicy."
        ),
        "client.forward_within": "den tid som avtalats med kundföretaget",
    },
    "en": {
        "client.name": "the client company",
        "client.controller": "the client company (the controller)",
        "client.rights_email": _CONTACT_EN,
        "client.rights_url": _CONTACT_EN,
        "client.rights_phone": _CONTACT_EN,
        "client.rights_contact": _CONTACT_EN,
        "client.script": (
            "We answer on behalf of the company, and the company is the controller of your "
            "personal data. So it is the company that handles your request. I will forward "
            "it to them, and they must reply to you within one month."
        ),
        "client.retention": (
            "How long the data is kept is decided by the client company (the controller); "
            "its privacy policy says."
        ),
        "client.forward_within": "the time agreed with the client company",
    },
}

_CONTACT_LABELS: Mapping[Lang, Mapping[str, str]] = {
    "sv": {"email": "e-post", "url": "webb", "phone": "telefon"},
    "en": {"email": "e-mail", "url": "web", "phone": "phone"},
}


def forward_within(days: int, lang: Lang) -> str:
    """`1 arbetsdag`, `2 arbetsdagar`, `samma arbetsdag`; `1 business day`, `2 business days`."""
    if lang == "sv":
        return "samma arbetsdag" if days == 0 else f"{days} arbetsdag{'' if days == 1 else 'ar'}"
    return (
        "the same business day" if days == 0 else f"{days} business day{'' if days == 1 else 's'}"
    )


def rights_contact(client: Client, lang: Lang) -> str:
    """Every contact the client gave, on one line: `e-post x@y.example, webb https://…`."""
    labels = _CONTACT_LABELS[lang]
    return ", ".join(f"{labels[kind]} {value}" for kind, value in client.rights_requests.contacts())


def retention_list(client: Client, lang: Lang) -> str:
    """A short Markdown list, one `- data: keep` line per rule."""
    if not client.retention:
        if lang == "sv":
            return (
                f"{client.name} har inte lämnat några lagringstider till kundkatalogen; "
                f"de står i integritetspolicyn hos {client.name}."
            )
        return (
            f"{client.name} has not given its retention periods to the client directory; "
            f"its privacy policy says."
        )
    return "\n".join(f"- {rule.data.get(lang)}: {rule.keep.get(lang)}" for rule in client.retention)


def placeholder_values(client: Client | None, lang: Lang) -> dict[str, str]:
    """Placeholder (without braces, e.g. `client.controller`) → text, for `client` or generic."""
    if client is None:
        return dict(FALLBACK[lang])
    rights = client.rights_requests
    contact = rights_contact(client, lang)
    values = {
        "client.name": client.name,
        "client.controller": client.controller,
        "client.rights_email": rights.email or contact,
        "client.rights_url": rights.url or contact,
        "client.rights_phone": rights.phone or contact,
        "client.rights_contact": contact,
        "client.forward_within": forward_within(rights.forward_within_business_days, lang),
        "client.retention": retention_list(client, lang),
    }
    values["client.script"] = fill(rights.script.get(lang), values)
    return values


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace each `{{ key }}` whose key is in `values`; leave any other placeholder as is."""

    def one(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return _PATTERN.sub(one, text)


def render(text: str, client: Client | None, lang: Lang) -> str:
    """`text` with every `{{client.X}}` filled for `client`, or generically when it is None."""
    return fill(text, placeholder_values(client, lang))


def malformed_in(text: str) -> list[str]:
    """Each `{{` that starts no placeholder (unclosed, a space inside the name): the caller
    would hear it read out as typed, braces and all."""
    valid = {match.start() for match in _PATTERN.finditer(text)}
    return [text[at.start() : at.start() + 30] for at in re.finditer(r"\{\{", text)
            if at.start() not in valid]  # fmt: skip


def placeholders_in(text: str) -> list[str]:
    """Every `client.*` placeholder used in `text`, in order (for checks of article text)."""
    return [match.group(1) for match in _PATTERN.finditer(text)]


def unknown_placeholders(text: str) -> list[str]:
    """The `client.*` placeholders in `text` that this module does not know."""
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]
