"""A policy decision and the refusal every feature shares (an unauthenticated request, an
external person); the rules that make decisions are in `policy.py`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.chat.i18n import add_strings, t

UNAUTHENTICATED: Final = "unauthenticated"
EXTERNAL: Final = "external"

add_strings(
    {
        "sv": {
            "authz.unauthenticated": "Boten körs i utvecklingsläge utan inloggning "
            "(GDPRBOT_TEAMS_INSECURE_DEV). Då svarar den bara på frågor: rutiner, "
            "rapporter, insikter, webblänkar och begäranden hanteras inte.",
            "authz.external": "Den här boten är till för företagets egna medarbetare. "
            "Gäster och personer från andra organisationer kan inte använda den.",
        },
        "en": {
            "authz.unauthenticated": "The bot runs in development mode without sign-in "
            "(GDPRBOT_TEAMS_INSECURE_DEV). It only answers questions: routines, reports, "
            "insights, web links and requests are not served.",
            "authz.external": "This bot is for the company's own staff. Guests and people "
            "from other organisations cannot use it.",
        },
    }
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # why, for logs and the refusal text: officer, member, not_member, ...

    def __bool__(self) -> bool:
        return self.allowed


def refusal_text(decision: Decision, lang: str) -> str | None:
    """The refusal every feature shares (an unauthenticated request, an external person),
    else None: the feature words its own. A feature records nothing for either (the
    identity is not proven, or not the organisation's). The external refusal is in both
    languages, Swedish first, whatever `lang` is."""
    if decision.reason == UNAUTHENTICATED:
        return t("authz.unauthenticated", lang)
    if decision.reason == EXTERNAL:
        return f"{t('authz.external', 'sv')}\n{t('authz.external', 'en')}"
    return None
