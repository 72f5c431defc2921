"""Authorisation: who may do what, decided in one place (`policy.RULES`)."""

from bot.authz.decisions import Decision, refusal_text
from bot.authz.policy import RULES, ChannelAudience, ClientAudience, Policy, Subject

__all__ = [
    "RULES",
    "ChannelAudience",
    "ClientAudience",
    "Decision",
    "Policy",
    "Subject",
    "refusal_text",
]
