"""Pure translation between Bot Framework Activities (plain dicts) and the neutral model.

`incoming_from_activity` turns a message Activity (typed text or an Adaptive Card
submit) into an `Incoming`; `activity_from_reply` and `activity_from_notice` turn a
neutral `Reply` / routine `Notice` into an Activity dict carrying an Adaptive Card.
No botbuilder import, no I/O: everything here is testable with dictionaries.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from bot.chat.i18n import normalise_lang, t
from bot.chat.messages import Action, AnswerCard, Button, ConversationRef, Incoming, Prompt, Reply
from routines.ports import ACTION_CONFIRM, ACTION_NOT_APPLICABLE, ACTION_NOTE, Notice

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"

# Keys of an Action.Submit payload that are ours; every other key is a form input.
ACTION_ID_KEY = "action_id"
VALUE_KEY = "value"
# Input ids on the cards for routine buttons that ask for a few words.
REASON_INPUT = "reason"
NOTE_INPUT = "note"

# Teams caps a message at about 28 KB; anything far beyond that is not a person typing.
MAX_TEXT_CHARS = 40_000

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_SINGLE_STAR_BOLD = re.compile(r"(?<![*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![*\w])")

_LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "open": "Öppna",
        "due": "Förfaller",
        "gdpr": "GDPR",
        "reason": "Varför är rutinen inte tillämplig?",
        "note": "Anteckning eller länk till underlag",
        "send": "Skicka",
        "file": "Filen {name} kan hämtas via kommandoraden (gdpr-bot report).",
    },
    "en": {
        "open": "Open",
        "due": "Due",
        "gdpr": "GDPR",
        "reason": "Why does the routine not apply?",
        "note": "Note or link to evidence",
        "send": "Send",
        "file": "The file {name} is available from the command line (gdpr-bot report).",
    },
}


def _label(key: str, lang: str, **params: str) -> str:
    table = _LABELS.get(normalise_lang(lang), _LABELS["sv"])
    return table[key].format(**params)


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
    text = clean_text(_text(activity.get("text"))[:MAX_TEXT_CHARS])
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


# --- Reply / Notice -> Activity ---------------------------------------------------------


def to_teams_markdown(text: str) -> str:
    """Light Markdown (Slack-like `*bold*`) as Teams/Adaptive Card Markdown (`**bold**`)."""
    text = _SLACK_LINK.sub(r"[\2](\1)", text)
    return _SINGLE_STAR_BOLD.sub(r"**\1**", text)


def _text_block(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": to_teams_markdown(text), "wrap": True, **extra}


def _source_facts(card: AnswerCard) -> dict[str, Any]:
    lang = card.lang
    facts = [
        {"title": t("source", lang), "value": card.title},
        {"title": t("owner", lang), "value": card.owner},
        {"title": t("reviewed", lang), "value": card.reviewed},
    ]
    if card.gdpr:
        facts.append({"title": _label("gdpr", lang), "value": ", ".join(card.gdpr)})
    return {"type": "FactSet", "facts": facts, "separator": True, "spacing": "Medium"}


def submit_data(action_id: str, value: str) -> dict[str, str]:
    return {ACTION_ID_KEY: action_id, VALUE_KEY: value}


def _input_card(action_id: str, value: str, input_id: str, lang: str) -> dict[str, Any]:
    """A small card shown under a button that asks for a few words before submitting."""
    return {
        "type": "AdaptiveCard",
        "body": [
            {
                "type": "Input.Text",
                "id": input_id,
                "label": _label(input_id, lang),
                "isMultiline": True,
                "maxLength": 500,
                "isRequired": action_id == ACTION_NOT_APPLICABLE,
            }
        ],
        "actions": [
            {
                "type": "Action.Submit",
                "title": _label("send", lang),
                "data": submit_data(action_id, value),
            }
        ],
    }


def card_action(button: Button, lang: str) -> dict[str, Any]:
    """One button: a plain submit, or a show-card with a text input for reasons and notes."""
    if button.action_id in (ACTION_NOT_APPLICABLE, ACTION_NOTE):
        input_id = REASON_INPUT if button.action_id == ACTION_NOT_APPLICABLE else NOTE_INPUT
        return {
            "type": "Action.ShowCard",
            "title": button.label,
            "card": _input_card(button.action_id, button.value, input_id, lang),
        }
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": button.label,
        "data": submit_data(button.action_id, button.value),
    }
    if button.style == "primary":
        action["style"] = "positive"
    elif button.style == "danger":
        action["style"] = "destructive"
    return action


def adaptive_card(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def card_attachment(card: Mapping[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": dict(card)}


def card_from_reply(reply: Reply, lang: str = "sv") -> dict[str, Any]:
    lang = reply.card.lang if reply.card else lang
    body = [_text_block(reply.text)] if reply.text else []
    if reply.card is not None:
        body.append(_source_facts(reply.card))
    if reply.attachment is not None and not reply.link:
        note = _label("file", lang, name=reply.attachment.filename)
        body.append(_text_block(note, isSubtle=True))
    actions = [card_action(button, lang) for button in reply.buttons]
    if reply.prompt is not None:  # ask for the words right on the card
        body.append(_prompt_input(reply.prompt))
        actions.append(
            {
                "type": "Action.Submit",
                "title": reply.prompt.submit,
                "data": submit_data(reply.prompt.action_id, reply.prompt.value),
            }
        )
    if reply.link:
        title = (reply.attachment.title or reply.attachment.filename) if reply.attachment else ""
        title = title or _label("open", lang)
        actions.append({"type": "Action.OpenUrl", "title": title, "url": reply.link})
    return adaptive_card(body, actions)


def private_reply_failed() -> str:
    """Said in a channel instead of a private reply that could not reach the 1:1 chat."""
    return (
        "Svaret är personligt och kunde inte skickas privat: skriv till mig i en chatt. / "
        "This reply is personal and could not be sent privately: message me in a chat."
    )


def _prompt_input(prompt: Prompt) -> dict[str, Any]:
    return {
        "type": "Input.Text",
        "id": prompt.input_id,
        "label": prompt.label,
        "isMultiline": prompt.multiline,
        "maxLength": 500,
        "isRequired": True,
    }


def needs_card(reply: Reply) -> bool:
    """Cards for sources, buttons, links, files and prompts; and for a reply that replaces
    a message in place, which was a card (a routine post) and should stay one."""
    return bool(
        reply.card
        or reply.buttons
        or reply.link
        or reply.attachment
        or reply.prompt
        or reply.replaces
    )


def activity_from_reply(reply: Reply, lang: str = "sv") -> dict[str, Any]:
    """A message Activity: Markdown text for plain replies, an Adaptive Card otherwise."""
    if not needs_card(reply):
        return {"type": "message", "text": to_teams_markdown(reply.text), "textFormat": "markdown"}
    return {
        "type": "message",
        "summary": _summary(reply.text),
        "attachments": [card_attachment(card_from_reply(reply, lang))],
    }


def card_from_notice(notice: Notice) -> dict[str, Any]:
    """A routine notice: title, text, due date and GDPR articles, with its action buttons."""
    lang = notice.lang
    body: list[dict[str, Any]] = [
        _text_block(notice.title, weight="Bolder", size="Medium"),
        _text_block(notice.text),
    ]
    facts = []
    if notice.due_date is not None:
        facts.append({"title": _label("due", lang), "value": notice.due_date.isoformat()})
    if notice.gdpr:
        facts.append({"title": _label("gdpr", lang), "value": ", ".join(notice.gdpr)})
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    action_ids = {
        "confirm": ACTION_CONFIRM,
        "not_applicable": ACTION_NOT_APPLICABLE,
        "note": ACTION_NOTE,
    }
    buttons = [
        Button(
            action_id=action_ids[action.kind],
            label=action.label,
            value=action.value,
            style="primary" if action.kind == "confirm" else None,
        )
        for action in notice.actions
    ]
    return adaptive_card(body, [card_action(button, lang) for button in buttons])


def activity_from_notice(notice: Notice) -> dict[str, Any]:
    return {
        "type": "message",
        "summary": _summary(notice.title),
        "attachments": [card_attachment(card_from_notice(notice))],
    }


def _summary(text: str) -> str:
    """Notification preview text: first line, without Markdown marks, kept short."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first.replace("*", "").replace("_", "")[:120]
