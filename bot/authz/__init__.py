"""Authorisation: who may do what, decided in one place (`policy.RULES`)."""

from bot.authz.policy import (
    RULES,
    ChannelAudience,
    ClientAudience,
    Decision,
    Policy,
    Subject,
    refusal_text,
)

__all__ = [
    "RULES",
    "ChannelAudience",
    "ClientAudience",
    "Decision",
    "Policy",
    "Subject",
    "refusal_text",
]
