"""Pure translation of neutral replies and routine notices into Teams Activities.

`activity_from_reply` and `activity_from_notice` turn a neutral `Reply` / routine `Notice`
into an Activity dict carrying an Adaptive Card. No botbuilder import, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.chat.i18n import add_strings, t
from bot.chat.messages import AnswerCard, Button, Form, FormField, Prompt, Reply
from bot.platforms.teams.activities import ACTION_ID_KEY, VALUE_KEY
from routines.ports import ACTION_NOT_APPLICABLE, ACTION_NOTE, Notice

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"

# Input ids on the cards for routine buttons that ask for a few words.
REASON_INPUT = "reason"
NOTE_INPUT = "note"


_SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_SINGLE_STAR_BOLD = re.compile(r"(?<![*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![*\w])")

TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "teams.open": "Öppna",
        "teams.due": "Förfaller",
        "teams.gdpr": "GDPR",
        "teams.reason": "Varför är rutinen inte tillämplig?",
        "teams.note": "Anteckning eller länk till underlag",
        "teams.send": "Skicka",
        "teams.file": "Filen {name} kan hämtas via kommandoraden (gdpr-bot report).",
    },
    "en": {
        "teams.open": "Open",
        "teams.due": "Due",
        "teams.gdpr": "GDPR",
        "teams.reason": "Why does the routine not apply?",
        "teams.note": "Note or link to evidence",
        "teams.send": "Send",
        "teams.file": "The file {name} is available from the command line (gdpr-bot report).",
    },
}


add_strings(TEXT)


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
        facts.append({"title": t("teams.gdpr", lang), "value": ", ".join(card.gdpr)})
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
                "label": t(f"teams.{input_id}", lang),
                "isMultiline": True,
                "maxLength": 500,
                "isRequired": action_id == ACTION_NOT_APPLICABLE,
            }
        ],
        "actions": [
            {
                "type": "Action.Submit",
                "title": t("teams.send", lang),
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
        note = t("teams.file", lang, name=reply.attachment.filename)
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
    if reply.form is not None:  # the inputs, then the submit after any buttons
        body.extend(_form_body(reply.form))
        actions.append(
            {
                "type": "Action.Submit",
                "title": reply.form.submit,
                "style": "positive",
                "data": submit_data(reply.form.action_id, reply.form.value),
            }
        )
    if reply.link:
        title = (reply.attachment.title or reply.attachment.filename) if reply.attachment else ""
        title = title or t("teams.open", lang)
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


def _form_input(field: FormField) -> dict[str, Any]:
    element: dict[str, Any] = {"id": field.input_id, "label": field.label,
                               "isRequired": field.required}  # fmt: skip
    if field.kind == "choice":
        choices = [{"title": label, "value": value} for label, value in field.options]
        element.update(type="Input.ChoiceSet", style="compact", choices=choices)
    elif field.kind == "date":
        element["type"] = "Input.Date"
        if field.latest:
            element["max"] = field.latest
    else:
        element["type"] = "Input.Text"
        if field.max_length:
            element["maxLength"] = field.max_length
    if field.value:
        element["value"] = field.value
    if field.required:  # Teams shows it under an input left empty, before sending
        element["errorMessage"] = field.label
    return element


def _form_body(form: Form) -> list[dict[str, Any]]:
    body = [_form_input(field) for field in form.fields]
    if form.notice:
        body.append(_text_block(form.notice, spacing="Medium"))
    return body


def needs_card(reply: Reply) -> bool:
    """Cards for sources, buttons, links, files and prompts; and for a reply that replaces
    a message in place, which was a card (a routine post) and should stay one."""
    return bool(
        reply.card
        or reply.buttons
        or reply.link
        or reply.attachment
        or reply.prompt
        or reply.form
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
        facts.append({"title": t("teams.due", lang), "value": notice.due_date.isoformat()})
    if notice.gdpr:
        facts.append({"title": t("teams.gdpr", lang), "value": ", ".join(notice.gdpr)})
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    buttons = [
        Button(
            action_id=action.action_id,
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
