"""Pure translation between Slack payloads and the neutral message model.

Slack dict in -> `Incoming` (or None when the payload is not for us); `Reply` / `Notice`
out -> Block Kit. No I/O, no slack_sdk objects: every function here is a plain mapping
and unit-tested as such.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.chat.conversation import source_line
from bot.chat.messages import Action, ConversationRef, Incoming, Prompt, Reply
from routines.ports import Notice

Payload = Mapping[str, Any]
Block = dict[str, Any]

SECTION_LIMIT = 3000  # Slack rejects a section text longer than this
FALLBACK_TEXT_LIMIT = 3000
MAX_BLOCKS = 50

# The modal that asks for a reason, note or evidence link (a `Prompt`).
PROMPT_CALLBACK = "gdprbot.prompt"
PROMPT_BLOCK = "words"
PROMPT_INPUT = "text"
PROMPT_EMPTY = "Skriv några ord. / Please write a few words."
METADATA_LIMIT = 3000  # Slack's cap on a view's private_metadata

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
# Slack's markup for what it links (https://api.slack.com/reference/surfaces/formatting):
# <#C123|name> a channel, <!here> / <!subteam^S1|@team> / <!date^…|fallback> specials,
# <https://…|label>, <mailto:a@b|a@b>, <tel:…|…> links: the person sees the label.
_CHANNEL = re.compile(r"<#[A-Z0-9]+(?:\|([^<>]*))?>")
_SPECIAL = re.compile(r"<!([^<>|^]*)(?:\^[^<>|]*)?(?:\|([^<>]*))?>")
_LINK = re.compile(r"<([^<>|@#!][^<>|]*)(?:\|([^<>]*))?>")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")


# --- Slack -> neutral ------------------------------------------------------------------


def clean_text(text: str) -> str:
    """The words as the person sees them: @mentions removed, Slack's link markup replaced
    by its label (an auto-linked e-mail address becomes the plain address, which the
    question log then redacts), its HTML escapes undone."""
    text = _MENTION.sub("", text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(1) or "channel"), text)
    text = _SPECIAL.sub(lambda m: m.group(2) or "@" + m.group(1), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def is_from_a_bot(event: Payload) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile")) or (
        event.get("subtype") == "bot_message"
    )


def bot_user(envelope: Payload) -> str | None:
    """The bot's own user id, as the Events API envelope's `authorizations` name it."""
    for authorization in envelope.get("authorizations") or ():
        if isinstance(authorization, Mapping) and authorization.get("is_bot"):
            user = authorization.get("user_id")
            return user if isinstance(user, str) and user else None
    return None


def message_to_incoming(
    event: Payload, *, event_id: str | None = None, bot_user: str | None = None
) -> Incoming | None:
    """A direct message (`message` with channel_type im) or an `app_mention`.

    Edits, deletions, joins and bot messages (our own included) carry a subtype or a
    bot id and are not questions: they translate to None, and so does anything sent as
    `bot_user` (the bot's own user id: a file it shared may carry no bot id; bolt drops
    such self events, but the inbox works on events without bolt). So does a mention
    Slack sends again, under a new event id, because its message was edited (it has
    `edited`): the original was answered (a message edited only to add the mention goes
    unanswered).
    """
    event_type = event.get("type")
    if event_type not in ("message", "app_mention") or is_from_a_bot(event):
        return None
    if bot_user is not None and event.get("user") == bot_user:
        return None
    if event.get("edited"):
        return None
    if event.get("subtype") not in (None, "file_share", "thread_broadcast"):
        return None
    user, channel, text = event.get("user"), event.get("channel"), event.get("text")
    if not isinstance(user, str) or not isinstance(channel, str) or not isinstance(text, str):
        return None
    is_direct = event_type == "message" and event.get("channel_type") == "im"
    if event_type == "message" and not is_direct:
        return None  # channel chatter without a mention is not addressed to us
    ts = event.get("ts")
    # In a channel we answer in the thread: the existing one or a new one under the mention.
    thread = event.get("thread_ts") or (None if is_direct else ts)
    return Incoming(
        platform="slack",
        user_id=user,
        text=clean_text(text),
        conversation=_ref(channel, event.get("team")),
        thread=thread if isinstance(thread, str) else None,
        is_direct=is_direct,
        event_id=event_id,
        raw=event,
    )


def command_to_incoming(body: Payload) -> Incoming | None:
    """A `/gdpr ...` slash command (form fields as a dict)."""
    user, channel = body.get("user_id"), body.get("channel_id")
    if not isinstance(user, str) or not isinstance(channel, str):
        return None
    text = body.get("text") if isinstance(body.get("text"), str) else ""
    return Incoming(
        platform="slack",
        user_id=user,
        text=clean_text(str(text)),
        conversation=_ref(channel, body.get("team_id")),
        display_name=body.get("user_name") if isinstance(body.get("user_name"), str) else None,
        is_direct=str(channel).startswith("D"),
        event_id=body.get("trigger_id") if isinstance(body.get("trigger_id"), str) else None,
        raw=body,
    )


def action_to_incoming(body: Payload) -> Incoming | None:
    """The first action of a `block_actions` payload (a button click)."""
    actions = body.get("actions")
    user = body.get("user") or {}
    if not isinstance(actions, list) or not actions or not isinstance(user, Mapping):
        return None
    first = actions[0]
    if not isinstance(first, Mapping) or not isinstance(first.get("action_id"), str):
        return None
    user_id = user.get("id")
    if not isinstance(user_id, str):
        return None
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or user_id
    message = body.get("message") or {}
    message_ts = container.get("message_ts") or message.get("ts")
    team = (body.get("team") or {}).get("id")
    value = first.get("value") if isinstance(first.get("value"), str) else ""
    return Incoming(
        platform="slack",
        user_id=user_id,
        text="",
        conversation=_ref(str(channel), team),
        thread=message.get("thread_ts") if isinstance(message.get("thread_ts"), str) else None,
        is_direct=str(channel).startswith("D") or channel == user_id,
        action=Action(
            action_id=first["action_id"],
            value=str(value),
            message_id=message_ts if isinstance(message_ts, str) else None,
        ),
        event_id=f"{first.get('action_ts', '')}:{user_id}" if first.get("action_ts") else None,
        raw=body,
    )


def home_to_incoming(event: Payload) -> Incoming | None:
    """`app_home_opened` on the Home tab: the user whose home view we publish."""
    user = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user, str):
        return None
    return Incoming(
        platform="slack",
        user_id=user,
        text="",
        conversation=_ref(str(event.get("channel") or user), None),
        is_direct=True,
        raw=event,
    )


def submission_words(body: Payload) -> str:
    """What the person typed into the prompt modal (stripped; "" when absent)."""
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    value = (state.get(PROMPT_BLOCK) or {}).get(PROMPT_INPUT) or {}
    words = value.get("value") if isinstance(value, Mapping) else None
    return words.strip() if isinstance(words, str) else ""


def _metadata(body: Payload) -> dict[str, Any]:
    try:
        meta = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def submitted_on_home(body: Payload) -> bool:
    """Whether the prompt modal was opened from a button on the App Home."""
    return bool(_metadata(body).get("h"))


def submission_to_incoming(body: Payload) -> Incoming | None:
    """A `view_submission` of the prompt modal as the button action it completes.

    The modal's private_metadata says which action on which message (see `prompt_view`);
    the typed words arrive in `Action.inputs` under the prompt's input id, so the
    conversation sees exactly what a Teams card submit would give it.
    """
    view = body.get("view") or {}
    user = (body.get("user") or {}).get("id")
    if view.get("callback_id") != PROMPT_CALLBACK or not isinstance(user, str):
        return None
    meta = _metadata(body)
    if not all(isinstance(meta.get(key), str) for key in "avic"):
        return None
    message_ts, thread, url = meta.get("m"), meta.get("t"), meta.get("r")
    raw: dict[str, Any] = dict(body)
    words = submission_words(body)
    # A replayed submission is claimed once; the same modal sent again with other words
    # (after "a reason is needed") is a new submission.
    said = hashlib.sha256(words.encode("utf-8")).hexdigest()[:16]
    if isinstance(url, str):  # the button sat on an ephemeral message: replace it there
        raw.update(container={"is_ephemeral": True}, response_url=url)
    return Incoming(
        platform="slack",
        user_id=user,
        text="",
        conversation=_ref(meta["c"], (body.get("team") or {}).get("id")),
        thread=thread if isinstance(thread, str) else None,
        is_direct=bool(meta.get("d")),
        action=Action(
            action_id=meta["a"],
            value=meta["v"],
            inputs={meta["i"]: words},
            message_id=message_ts if isinstance(message_ts, str) else None,
        ),
        event_id=f"view:{view.get('id', '')}:{user}:{said}" if view.get("id") else None,
        raw=raw,
    )


def _ref(channel: str, team: object) -> ConversationRef:
    data = {"team_id": team} if isinstance(team, str) else {}
    return ConversationRef(platform="slack", conversation_id=channel, data=data)


# --- neutral -> Slack ------------------------------------------------------------------


def to_mrkdwn(text: str) -> str:
    """Our light Markdown as Slack mrkdwn: links and **bold** differ, the rest is the same."""
    text = _MD_LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    return _MD_BOLD.sub(r"*\1*", text)


def _chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split long text on paragraph or line boundaries so each piece fits one section."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        pieces.append(text)
    return pieces


def _section(text: str) -> list[Block]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in _chunks(text)]


def reply_to_blocks(reply: Reply) -> list[Block]:
    """Answer text, the source context line, a link, and the buttons (👍/👎 or routine)."""
    blocks = _section(to_mrkdwn(reply.text)) if reply.text.strip() else []
    if reply.card is not None:
        line = source_line(reply.card, reply.card.lang)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
    if reply.link:
        blocks.extend(_section(f"<{reply.link}>"))
    if reply.buttons:
        blocks.append({"type": "actions", "elements": [_button(b) for b in reply.buttons]})
    return blocks[:MAX_BLOCKS]


def _button(button: Any) -> Block:
    element: Block = {
        "type": "button",
        "action_id": button.action_id,
        "text": {"type": "plain_text", "text": button.label[:75], "emoji": True},
        "value": button.value[:2000],
    }
    if button.style:
        element["style"] = button.style
    return element


def fallback_text(reply: Reply) -> str:
    """Plain text for notifications and clients that cannot show blocks."""
    text = reply.text
    if reply.card is not None:
        text = f"{text}\n({reply.card.title})"
    return text[:FALLBACK_TEXT_LIMIT]


def home_view(replies: Sequence[Reply], *, title: str) -> Block:
    """The App Home tab: a header, then each reply as its own group of blocks."""
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    for index, reply in enumerate(replies):
        if index:
            blocks.append({"type": "divider"})
        blocks.extend(reply_to_blocks(reply))
    return {"type": "home", "blocks": blocks[:100]}


def prompt_view(prompt: Prompt, incoming: Incoming) -> Block:
    """A modal with one text input; private_metadata remembers where the click came from."""
    raw = incoming.raw or {}
    container = raw.get("container") or {}
    meta: dict[str, Any] = {
        "a": prompt.action_id,
        "v": prompt.value,
        "i": prompt.input_id,
        "c": incoming.conversation.conversation_id,
        "m": incoming.action.message_id if incoming.action else None,
        "t": incoming.thread,
        "d": incoming.is_direct,
    }
    if container.get("is_ephemeral") and isinstance(raw.get("response_url"), str):
        meta["r"] = raw["response_url"]
    if (raw.get("view") or {}).get("type") == "home":
        meta["h"] = True  # clicked on the App Home: refresh it once the words are in
    metadata = json.dumps(meta, separators=(",", ":"))
    if len(metadata) > METADATA_LIMIT:  # an absurd response_url: update by chat.update only
        meta.pop("r", None)
        metadata = json.dumps(meta, separators=(",", ":"))
    return {
        "type": "modal",
        "callback_id": PROMPT_CALLBACK,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": prompt.title[:24]},
        "submit": {"type": "plain_text", "text": prompt.submit[:24]},
        "blocks": [
            {
                "type": "input",
                "block_id": PROMPT_BLOCK,
                "label": {"type": "plain_text", "text": prompt.label[:2000]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": PROMPT_INPUT,
                    "multiline": prompt.multiline,
                    "max_length": 2000,
                },
            }
        ],
    }


def notice_to_blocks(notice: Notice) -> list[Block]:
    """A routine notice: title, text, GDPR refs, and confirm / not applicable / note buttons."""
    header = notice.title[:150]
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": header}}]
    blocks.extend(_section(to_mrkdwn(notice.text)))
    context = [notice.due_date.isoformat()] if notice.due_date else []
    context.extend(notice.gdpr)
    if context:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
        )
    if notice.actions:
        elements = [
            {
                "type": "button",
                "action_id": action.action_id,
                "text": {"type": "plain_text", "text": action.label[:75], "emoji": True},
                "value": action.value,
                **({"style": "primary"} if action.kind == "confirm" else {}),
            }
            for action in notice.actions
        ]
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def notice_text(notice: Notice) -> str:
    return f"{notice.title}\n{notice.text}"[:FALLBACK_TEXT_LIMIT]
