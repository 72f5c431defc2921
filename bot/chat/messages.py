"""The neutral message model every front end translates to and from (stdlib only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Platform = Literal["slack", "teams", "console"]


@dataclass(frozen=True)
class ConversationRef:
    """Where to post later: a platform plus whatever that platform needs (ids, service URL)."""

    platform: Platform
    conversation_id: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    """A button click or card submit: which action and its value (plus form inputs, if any)."""

    action_id: str
    value: str = ""
    inputs: Mapping[str, str] = field(default_factory=dict)
    message_id: str | None = None  # the message the button sat on, to update it in place


@dataclass(frozen=True)
class Incoming:
    platform: Platform
    user_id: str
    text: str
    conversation: ConversationRef
    display_name: str | None = None
    email: str | None = None
    thread: str | None = None
    is_direct: bool = False
    action: Action | None = None
    event_id: str | None = None
    raw: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    # False when the platform did not prove who sent it (Teams in its insecure development
    # mode: unsigned activities); the authorisation policy then refuses privileged actions.
    authenticated: bool = True
    # Whether the sender belongs to the organisation, as the platform's directory says:
    # False for a guest or another organisation's person (Slack Connect, another Teams
    # tenant), None when the platform did not say. The authorisation policy refuses
    # external people everything.
    member: bool | None = None


def storable(text: str) -> str:
    """`text` as every store takes it: a platform's JSON may carry NUL (PostgreSQL's text
    type refuses it: dropped) and lone surrogates (UTF-8 cannot encode them: "?")."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def with_storable_text(incoming: Incoming) -> Incoming:
    """`incoming` with what the person typed (text, action value and inputs) storable."""
    action = incoming.action
    if action is not None:
        inputs = {key: storable(value) for key, value in action.inputs.items()}
        action = replace(action, value=storable(action.value), inputs=inputs)
    return replace(incoming, text=storable(incoming.text), action=action)


@dataclass(frozen=True)
class Button:
    action_id: str
    label: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class AnswerCard:
    """Where an answer came from: shown under the answer text on every platform."""

    article_id: str
    title: str
    owner: str
    reviewed: str  # ISO date
    gdpr: tuple[str, ...] = ()
    lang: str = "sv"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str
    title: str = ""


@dataclass(frozen=True)
class Prompt:
    """Ask for a few words before acting (a reason, a note or an evidence link).

    Slack opens a modal, Teams shows a card with a text input; the words come back as
    an `Action` with `action_id` and `value` and the text in `inputs[input_id]`. Where
    neither exists (the console) the reply's text says what to type instead.
    """

    action_id: str
    value: str
    input_id: str
    title: str  # short: Slack cuts a modal title at 24 characters
    label: str
    submit: str
    multiline: bool = True


@dataclass(frozen=True)
class FormField:
    """One input of a `Form`: a choice (a drop-down of `options`), a date or a text."""

    input_id: str
    label: str
    kind: Literal["choice", "date", "text"] = "text"
    options: tuple[tuple[str, str], ...] = ()  # (label, value) of a choice
    value: str = ""  # filled in beforehand ("" for none)
    required: bool = False
    max_length: int = 0  # a text's limit (0: none)
    latest: str = ""  # a date's latest allowed day (ISO), e.g. today


@dataclass(frozen=True)
class Form:
    """Several inputs submitted at once (Teams: an Adaptive Card with inputs).

    The submit comes back as an `Action` with `action_id` and `value` and each field's
    text in `inputs[input_id]`; nothing in it is trusted beyond its shape (the feature
    checks every input again). `notice` is shown above the inputs. Where no platform
    form exists the reply's text and buttons carry the same question instead.
    """

    action_id: str
    value: str
    fields: tuple[FormField, ...]
    submit: str
    notice: str = ""


@dataclass(frozen=True)
class Reply:
    """One message back. `text` is light Markdown (*bold*, _italic_, `code`, - lists, links)."""

    text: str
    card: AnswerCard | None = None
    buttons: tuple[Button, ...] = ()
    private: bool = False  # only the asker sees it (Slack ephemeral; Teams: personal chat)
    replaces: str | None = None  # platform message id to update in place
    attachment: Attachment | None = None
    link: str | None = None  # e.g. a short-lived download URL
    prompt: Prompt | None = None  # ask for words in a form; `text` is the typed fallback
    form: Form | None = None  # several inputs at once (Teams); `text` is the fallback
