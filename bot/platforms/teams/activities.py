"""Pure translation of Bot Framework Activities (plain dicts) into the neutral model.

`incoming_from_activity` turns a message Activity (typed text or an Adaptive Card
submit) into an `Incoming`; the helpers say where it came from (tenant, channel,
personal chat), what to store to post there later, and whether the bot was added or
removed. No botbuilder import, no I/O: everything here is testable with dictionaries.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from bot.chat.limits import MAX_TEAMS_TEXT_CHARS
from bot.chat.messages import Action, ConversationRef, Incoming

# Keys of an Action.Submit payload that are ours; every other key is a form input.
ACTION_ID_KEY = "action_id"
VALUE_KEY = "value"


_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


# --- Activity -> Incoming ---------------------------------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def clean_text(text: str) -> str:
    """The words a person typed: @mentions, HTML tags and entities removed, space trimmed.

    Teams puts `<at>Bot name</at>` in the text of a channel mention and may wrap text in
    light HTML; the conversation wants plain words.
    """
    without_mentions = _MENTION.sub(" ", text)
    plain = html.unescape(_TAG.sub(" ", without_mentions)).replace("\xa0", " ")
    return " ".join(plain.split())


def reference_from_activity(activity: Mapping[str, Any]) -> dict[str, Any]:
    """The ConversationReference (as its JSON dict) for posting into this conversation later.

    Display names are left out on purpose: the reference is stored, and names belong in
    the people table only. So is the activity id: a proactive post built from a
    reference with one would land as a reply in that old message's thread.
    """
    sender = _mapping(activity.get("from"))
    recipient = _mapping(activity.get("recipient"))
    conversation = dict(_mapping(activity.get("conversation")))
    tenant = tenant_id_of(activity)
    if tenant:
        conversation["tenantId"] = tenant
    reference: dict[str, Any] = {
        "user": {key: sender[key] for key in ("id", "aadObjectId", "role") if sender.get(key)},
        "bot": {key: recipient[key] for key in ("id", "name") if recipient.get(key)},
        "conversation": {
            key: conversation[key]
            for key in ("id", "conversationType", "tenantId", "isGroup")
            if conversation.get(key) is not None
        },
        "channelId": activity.get("channelId") or "msteams",
        "locale": activity.get("locale"),
        "serviceUrl": activity.get("serviceUrl"),
    }
    return {key: value for key, value in reference.items() if value}


def tenant_id_of(activity: Mapping[str, Any]) -> str | None:
    tenant = _mapping(_mapping(activity.get("channelData")).get("tenant")).get("id")
    conversation_tenant = _mapping(activity.get("conversation")).get("tenantId")
    found = tenant or conversation_tenant
    return found if isinstance(found, str) and found else None


def channel_id_of(activity: Mapping[str, Any]) -> str | None:
    """The Teams channel a message was posted in (without the `;messageid=` thread suffix)."""
    channel = _mapping(_mapping(activity.get("channelData")).get("channel")).get("id")
    if isinstance(channel, str) and channel:
        return channel
    conversation = _mapping(activity.get("conversation"))
    if conversation.get("conversationType") == "channel":
        return _text(conversation.get("id")).split(";", 1)[0] or None
    return None


def is_personal(activity: Mapping[str, Any]) -> bool:
    conversation = _mapping(activity.get("conversation"))
    kind = conversation.get("conversationType")
    if kind is not None:
        return kind == "personal"
    return not conversation.get("isGroup", False)


def _action_from_value(value: Mapping[str, Any], reply_to_id: str | None) -> Action | None:
    action_id = value.get(ACTION_ID_KEY)
    if not isinstance(action_id, str) or not action_id:
        return None
    raw_value = value.get(VALUE_KEY, "")
    inputs = {
        str(key): str(item)
        for key, item in value.items()
        if key not in (ACTION_ID_KEY, VALUE_KEY, "msteams") and isinstance(item, str | int)
    }
    return Action(
        action_id=action_id,
        value="" if raw_value is None else str(raw_value),
        inputs=inputs,
        message_id=reply_to_id,
    )


def incoming_from_activity(activity: Mapping[str, Any]) -> Incoming | None:
    """A message Activity as `Incoming`; None when it carries nothing the bot can act on.

    A card submit (`value` holding our `action_id`) becomes an `Action` whose
    `message_id` is the card's activity id, so the reply can update that card in place.
    """
    if activity.get("type") != "message":
        return None
    sender = _mapping(activity.get("from"))
    conversation = _mapping(activity.get("conversation"))
    user_id = _text(sender.get("aadObjectId")) or _text(sender.get("id"))
    conversation_id = _text(conversation.get("id"))
    if not user_id or not conversation_id:
        return None
    reply_to_id = _text(activity.get("replyToId")) or None
    action = _action_from_value(_mapping(activity.get("value")), reply_to_id)
    text = clean_text(_text(activity.get("text"))[:MAX_TEAMS_TEXT_CHARS])
    if action is None and not text:
        return None
    thread = None
    if ";messageid=" in conversation_id:
        thread = conversation_id.split(";messageid=", 1)[1] or None
    activity_id = _text(activity.get("id")) or None
    return Incoming(
        platform="teams",
        user_id=user_id,
        text="" if action is not None else text,
        conversation=ConversationRef(
            platform="teams",
            conversation_id=conversation_id,
            data=reference_from_activity(activity),
        ),
        display_name=_text(sender.get("name")) or None,
        thread=thread,
        is_direct=is_personal(activity),
        action=action,
        event_id=f"{conversation_id}|{activity_id}" if activity_id else None,
        raw=activity,
    )


def bot_was_added(activity: Mapping[str, Any]) -> bool:
    """A conversationUpdate / installationUpdate that installs the bot in this conversation."""
    return _bot_membership_changed(activity, action="add", members_field="membersAdded")


def bot_was_removed(activity: Mapping[str, Any]) -> bool:
    """A conversationUpdate / installationUpdate that removes the bot from this conversation."""
    return _bot_membership_changed(activity, action="remove", members_field="membersRemoved")


def _bot_membership_changed(
    activity: Mapping[str, Any], *, action: str, members_field: str
) -> bool:
    kind = activity.get("type")
    if kind == "installationUpdate":
        return _text(activity.get("action")).startswith(action)
    if kind != "conversationUpdate":
        return False
    bot_id = _mapping(activity.get("recipient")).get("id")
    members = activity.get(members_field)
    if not isinstance(members, list):
        return False
    return any(_mapping(member).get("id") == bot_id for member in members)
