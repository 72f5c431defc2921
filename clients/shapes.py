"""The shapes of values in the directory: ids, e-mail, URL, phone, chat channel ids.

Each check returns None when the value is fine, or the problem in words (what to write
instead), so the loader can put it after `path:line: field:`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_MAX = 64
# local@domain.tld: one @, no spaces, a dot in the domain (deliverability is not checked)
EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
# +46 8 000 00 00, 08-000 00 00, (08) 000 00 00: digits with spaces, hyphens, parentheses
PHONE = re.compile(r"^\+?[0-9 ()\-]+$")
PHONE_DIGITS = (6, 15)  # E.164 allows at most 15 digits
# Slack public and private channels (C…, G…); Teams channels and chats (19:…@thread.…)
SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
TEAMS_CHANNEL = re.compile(r"^19:[^\s;@]+@thread\.[a-z0-9]+$")
TEAMS_THREAD = ";messageid="


def id_problem(value: str) -> str | None:
    if not ID.match(value):
        return (
            f"{value!r} is not a valid id "
            "(lowercase letters, digits and single hyphens, e.g. acme or nordic-travel)"
        )
    if len(value) > ID_MAX:
        return f"is longer than {ID_MAX} characters"
    return None


def email_problem(value: str) -> str | None:
    if value.lower().startswith("mailto:"):
        return f"{value!r}: give the address without 'mailto:'"
    if not EMAIL.match(value):
        return f"{value!r} is not an e-mail address (name@company.example)"
    return None


def url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if (
        parts.scheme not in {"https", "http"}
        or not parts.hostname
        or any(c.isspace() for c in value)
    ):
        return f"{value!r} is not a web address (https://company.example/...)"
    return None


def phone_problem(value: str) -> str | None:
    digits = sum(ch.isdigit() for ch in value)
    low, high = PHONE_DIGITS
    if not PHONE.match(value) or not low <= digits <= high:
        return f"{value!r} is not a phone number (e.g. +46 8 123 456 78 or 08-123 456 78)"
    return None


def channel_problem(value: str) -> str | None:
    if TEAMS_THREAD in value:
        return f"{value!r}: give the channel id without ';messageid=…' (that is one thread)"
    if SLACK_CHANNEL.match(value) or TEAMS_CHANNEL.match(value):
        return None
    if value.startswith(("D", "U", "W")) and value[1:].isalnum() and value.isupper():
        return f"{value!r} is a Slack direct message or user, not a channel (C… or G…)"
    if value.startswith("#"):
        return (
            f"{value!r}: give the channel id (C…), not its name (Slack: channel details → bottom)"
        )
    return (
        f"{value!r} is not a channel id (Slack: C… or G…; "
        "Teams: 19:…@thread.tacv2, from the channel's 'Get link to channel')"
    )


def channel_key(conversation_id: str) -> str:
    """The channel of a conversation id: a Teams thread id carries `;messageid=…`."""
    return conversation_id.split(TEAMS_THREAD, 1)[0]


LEAD_PLATFORMS = ("slack", "teams")


def team_lead_problem(value: str) -> str | None:
    """A team lead is a platform id (`slack:U0123`, `teams:<AAD object id>`, or bare)."""
    platform, sep, user_id = value.partition(":")
    if not sep:
        platform, user_id = "", value
    elif platform not in LEAD_PLATFORMS:
        return f"expected slack:<id> or teams:<id>, not {value!r}"
    if "@" in user_id:
        return "a platform user id, not an e-mail address (e-mail is not a verified identity)"
    if not user_id or any(ch.isspace() for ch in user_id):
        return f"expected a platform user id, not {value!r}"
    return None
