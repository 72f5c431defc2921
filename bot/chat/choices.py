"""Choice buttons: a reply that offers a few options, whose click is answered again.

One neutral piece for every "which one did you mean?" in the chat, written once for all
platforms: the knowledge base's "Menar du …? / Did you mean …?" (kind `article`), and
later the rights-request desk's "Vilken kund gäller det? / Which client is it?" (kind
`client`). A feature builds the reply with `choice_reply`, registers a handler for its
kind with `Conversation.add_choice_handler`, and the conversation routes the click there.

How a click travels: each option is a `Button` whose action id is `choice.<kind>.<n>`
(Slack wants the action ids of one message to differ) and whose value is a small JSON
object: the option's value (`v`), the context the feature needs to answer again (`c`,
e.g. the question-log id or an article id) and the language of the question (`l`). Slack
renders the buttons as Block Kit buttons, Teams as Adaptive Card `Action.Submit`s, the
console as numbered choices; each sends the action id and value back unchanged, so
`picked` reads them the same way on every platform. Nothing in a value is trusted
beyond its shape: a handler re-reads what it names (the article, the client) itself.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.chat.messages import Action, Button, Incoming, Reply

CHOICE_PREFIX = "choice."
# Slack caps a button value at 2,000 characters; a choice value is an id, not a text.
MAX_VALUE_CHARS = 2000
# More options than this is a list to read, not a choice to make (Slack shows up to 25
# elements in an actions block; Teams wraps more than 5 actions into "…").
MAX_CHOICES = 5


@dataclass(frozen=True)
class Choice:
    """One option: its button label and the value its click sends back."""

    label: str
    value: str


@dataclass(frozen=True)
class Picked:
    """A clicked option: which kind of choice, the option's value, the context the reply
    was built with, and the language of the conversation at the time."""

    kind: str
    value: str
    context: str
    lang: str


ChoiceHandler = Callable[[Picked, Incoming], Awaitable[list[Reply]]]


def choice_buttons(
    kind: str, choices: Sequence[Choice], *, context: str = "", lang: str = "sv"
) -> tuple[Button, ...]:
    """One button per option (at most `MAX_CHOICES`), in the order given."""
    if not kind or "." in kind:
        raise ValueError(f"a choice kind is one word without dots, not {kind!r}")
    buttons: list[Button] = []
    for number, choice in enumerate(choices[:MAX_CHOICES], start=1):
        value = json.dumps({"v": choice.value, "c": context, "l": lang}, ensure_ascii=False)
        if len(value) > MAX_VALUE_CHARS:
            raise ValueError(f"choice value too long for a button ({len(value)} characters)")
        buttons.append(Button(f"{CHOICE_PREFIX}{kind}.{number}", choice.label, value=value))
    return tuple(buttons)


def choice_reply(
    text: str,
    kind: str,
    choices: Sequence[Choice],
    *,
    context: str = "",
    lang: str = "sv",
    private: bool = False,
) -> Reply:
    """A question with one button per option; the click goes to `kind`'s handler."""
    buttons = choice_buttons(kind, choices, context=context, lang=lang)
    return Reply(text=text, buttons=buttons, private=private)


def is_choice(action: Action) -> bool:
    return action.action_id.startswith(CHOICE_PREFIX)


def picked(action: Action) -> Picked | None:
    """The option a click chose, or None when the action is not a well-formed choice."""
    if not is_choice(action):
        return None
    kind, _, number = action.action_id[len(CHOICE_PREFIX) :].partition(".")
    if not kind or not number.isdigit():
        return None
    try:
        raw = json.loads(action.value)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    value, context, lang = raw.get("v"), raw.get("c", ""), raw.get("l", "")
    if not isinstance(value, str) or not value:
        return None
    if not isinstance(context, str) or not isinstance(lang, str):
        return None
    return Picked(kind, value, context, lang)
