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
from bot.chat.ports import Reference

PLATFORM = "teams"

# Keys of an Action.Submit payload that are ours; every other key is a form input.
ACTION_ID_KEY = "action_id"
VALUE_KEY = "value"


_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
# A message that quotes another (Teams' Reply) starts with the quoted one's author and
# words in this blockquote: not the question, and a colleague's name and words besides.
_QUOTE = re.compile(
    r"<blockquote[^>]*schema\.skype\.com/Reply[^>]*>.*?</blockquote>", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<[^>]+>")


# --- Activity -> Incoming ---------------------------------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def clean_text(text: str) -> str:
    """The words a person typed: a quoted message, @mentions, HTML tags and entities
    removed, space trimmed.

    Teams puts `<at>Bot name</at>` in the text of a channel mention, the message replied
    to in a Reply blockquote, and may wrap text in light HTML; the conversation wants
    plain words.
    """
    without_mentions = _MENTION.sub(" ", _QUOTE.sub(" ", text))
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
    if activity.get("type") != "message" or is_from_a_bot(activity):
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


def is_from_a_bot(activity: Mapping[str, Any]) -> bool:
    """Sent by this bot (its own account is the recipient) or by any other bot: never a
    question, and answering it could start two bots talking to each other."""
    sender = _mapping(activity.get("from"))
    own = _mapping(activity.get("recipient")).get("id")
    return sender.get("role") == "bot" or (bool(own) and sender.get("id") == own)


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


# --- where to post later ------------------------------------------------------------------


def _sender_ids(activity: Mapping[str, Any]) -> tuple[str, str] | None:
    """(stable id, Bot Framework user id) of the sender; the stable id is the AAD id."""
    sender = activity.get("from")
    if not isinstance(sender, Mapping):
        return None
    user_id = sender.get("id")
    if not isinstance(user_id, str) or not user_id:
        return None
    aad = sender.get("aadObjectId")
    return (aad if isinstance(aad, str) and aad else user_id), user_id


def _with_conversation_id(reference: Mapping[str, Any], conversation_id: str) -> dict[str, Any]:
    conversation = dict(reference.get("conversation") or {})
    conversation["id"] = conversation_id
    return {**reference, "conversation": conversation}


def references_from_activity(activity: Mapping[str, Any]) -> list[Reference]:
    """The references an Activity gives, to save or refresh:

    - a personal (1:1) chat: the sender's person reference, marked personal (best for
      reminders);
    - a channel (or the team's General channel on install): the channel's, keyed by the
      channel id without the `;messageid=` thread suffix, plus the sender's as a group
      reference (enough to open a 1:1 chat with them later);
    - a group chat: a channel reference keyed by the chat's conversation id, plus the sender.
    """
    conversation = activity.get("conversation")
    if not isinstance(conversation, Mapping) or not activity.get("serviceUrl"):
        return []
    conversation_id = conversation.get("id")
    if not isinstance(conversation_id, str) or not conversation_id:
        return []
    reference = reference_from_activity(activity)
    found: list[Reference] = []
    if not is_personal(activity):
        channel_id = channel_id_of(activity) or conversation_id
        found.append(
            Reference(
                platform=PLATFORM,
                kind="channel",
                ref_key=channel_id,
                conversation_id=channel_id,
                # No sender in a channel's reference: it is kept as long as the bot is
                # in the channel, and a person's ids belong in their own rows only.
                reference=_with_conversation_id(
                    {k: v for k, v in reference.items() if k != "user"}, channel_id
                ),
            )
        )
    sender = _sender_ids(activity)
    if sender is not None and _mapping(activity.get("from")).get("role") != "bot":
        stable_id, user_id = sender
        found.append(
            Reference(
                platform=PLATFORM,
                kind="person",
                ref_key=stable_id,
                user_id=user_id,
                conversation_id=conversation_id,
                reference=reference,
                personal=is_personal(activity),
            )
        )
    return found


def conversations_of(activity: Mapping[str, Any]) -> list[str]:
    """The conversation ids an Activity belongs to (to forget when the bot is removed)."""
    conversation = activity.get("conversation")
    if not isinstance(conversation, Mapping):
        return []
    conversation_id = conversation.get("id")
    if not isinstance(conversation_id, str) or not conversation_id:
        return []
    channel_id = channel_id_of(activity) if not is_personal(activity) else None
    if channel_id and channel_id != conversation_id:
        return [conversation_id, channel_id]
    return [conversation_id]
