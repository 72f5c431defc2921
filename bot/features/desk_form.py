"""What an agent gives for a request: typed words (`parse`), or the form (Teams).

`parse` reads `begäran radering #SV-12 2027-03-05` into a `Draft` (what a button's context
carries while the rest is asked with choice buttons).

On a platform with forms (`FORM_PLATFORMS`) `begäran` / `request` with the client or the
type missing answers with this form instead of the choice buttons: the client (those the
message or channel suggests first), the type, the day the caller asked (today unless
changed, never later) and the client's own ticket number, under the notice that the bot
keeps nothing about the caller. The submit comes back as the `REGISTER_ACTION` action
with the inputs; `read_form` checks each input again (a submit is only as trustworthy as
its shape) and says what is wrong in the conversation's language, so the form can be shown
again with the problems and what was typed. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from bot.chat.i18n import t
from bot.chat.messages import Form, FormField, Reply
from bot.features.desk_strings import KIND_WORDS
from clients import Client

REGISTER_ACTION: Final = "request.register"  # value: the form's language
FORWARD_ACTION: Final = "request.forwarded"  # value: "<code>|<lang>"; input: how
VIA_INPUT: Final = "via"
VIAS: Final = ("email", "portal", "phone", "other")  # as the register's FORWARD_VIAS
# Platforms that show a `Form`; elsewhere the desk asks with choice buttons.
FORM_PLATFORMS: Final = frozenset({"teams"})
CLIENT_INPUT: Final = "client"
KIND_INPUT: Final = "kind"
RECEIVED_INPUT: Final = "received"
REF_INPUT: Final = "ref"
REF_MAX: Final = 64  # as the register (routines.requests.register.REF_MAX)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REF = re.compile(r"^(?:#|ref:|ärende:|arende:)(\S{1,64})$", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """What an agent typed so far; small enough for a button's context."""

    client: str = ""
    kind: str = ""
    ref: str = ""
    received: str = ""

    def context(self) -> str:
        return "|".join((self.client, self.kind, self.ref, self.received))

    @staticmethod
    def from_context(context: str) -> Draft:
        parts = [*context.split("|"), "", "", ""][:4]
        return Draft(*parts)


def kind_of(word: str) -> str | None:
    folded = word.strip().lower()
    for kind, words in KIND_WORDS.items():
        if folded in words:
            return kind
    return None


def parse(args: str) -> tuple[Draft, str]:
    """What `begäran …` names (type, receipt date, `#ticket`), and the words left over
    (where the client may be named)."""
    kind = ref = received = ""
    rest: list[str] = []
    for word in args.split():
        cleaned = word.strip(",.;")
        if not kind and (found := kind_of(cleaned)):
            kind = found
        elif not received and _DATE.match(cleaned):
            received = cleaned
        elif not ref and (match := _REF.match(cleaned)):
            ref = match.group(1)[:64].replace("|", "/")
        else:
            rest.append(word)
    return Draft("", kind, ref, received), " ".join(rest)


@dataclass(frozen=True)
class FormValues:
    """What a form holds (as typed) and, once read, what is wrong with it."""

    client: str = ""
    kind: str = ""
    received: str = ""
    ref: str = ""
    problems: tuple[str, ...] = ()


def request_form(
    values: FormValues,
    clients: Iterable[Client],
    *,
    today: date,
    lang: str,
    suggested: Iterable[Client] = (),
    replaces: str | None = None,
    private: bool = True,
) -> Reply:
    """The form, filled with `values`; its text names `values.problems` when there are any."""
    first = list(suggested)
    ordered = first + [c for c in clients if c not in first]
    fields = (
        FormField(CLIENT_INPUT, t("desk.form.client", lang), "choice",
                  tuple((c.name, c.id) for c in ordered), values.client, required=True),
        FormField(KIND_INPUT, t("desk.form.kind", lang), "choice",
                  tuple((t(f"desk.kind.{k}", lang), k) for k in KIND_WORDS), values.kind,
                  required=True),
        FormField(RECEIVED_INPUT, t("desk.form.received", lang), "date",
                  value=values.received or today.isoformat(), required=True,
                  latest=today.isoformat()),
        FormField(REF_INPUT, t("desk.form.ref", lang), value=values.ref, max_length=REF_MAX),
    )  # fmt: skip
    lines = [t("desk.form.title", lang)]
    lines += [f"- {problem}" for problem in values.problems]
    form = Form(REGISTER_ACTION, lang, fields, t("desk.form.submit", lang),
                notice=t("desk.form.notice", lang))  # fmt: skip
    return Reply(text="\n".join(lines), form=form, private=private, replaces=replaces)


def read_form(
    inputs: Mapping[str, str], known: Iterable[str], today: date, lang: str
) -> FormValues:
    """The submitted inputs, each checked: a known client, a known type, a date no later
    than `today`, a short reference. Problems are in `lang`, one per input."""
    client = inputs.get(CLIENT_INPUT, "").strip().lower()
    kind = inputs.get(KIND_INPUT, "").strip()
    received = inputs.get(RECEIVED_INPUT, "").strip()
    ref = " ".join(inputs.get(REF_INPUT, "").split())
    problems = []
    if client not in set(known):
        problems.append(t("desk.form.no_client", lang))
        client = ""
    if kind not in KIND_WORDS:
        problems.append(t("desk.form.no_kind", lang))
        kind = ""
    try:
        day = date.fromisoformat(received)
    except ValueError:
        problems.append(t("desk.form.bad_date", lang))
        received = ""
    else:
        if day > today:
            problems.append(t("desk.form.future", lang, today=today.isoformat()))
    if len(ref) > REF_MAX:
        problems.append(t("desk.form.long_ref", lang, limit=REF_MAX))
        ref = ref[:REF_MAX]
    return FormValues(client, kind, received, ref, tuple(problems))


def forward_form(value: str, suggested: Iterable[str], lang: str) -> Form:
    """ "Vidarebefordrad" with how it went, optionally (the client's ways first)."""
    first = [via for via in suggested if via in VIAS]
    vias = first + [via for via in VIAS if via not in first]
    options = tuple((t(f"desk.via.{via}", lang), via) for via in vias)
    field = FormField(VIA_INPUT, t("desk.form.via", lang), "choice", options)
    return Form(FORWARD_ACTION, value, (field,), t("desk.form.forwarded", lang))
