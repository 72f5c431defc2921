"""The rights-request desk in chat: `begäran` / `request` and `vidarebefordrad` / `forwarded`.

An agent on a call types `begäran` (Slack `/gdpr begäran`, the console, Teams) with
whatever they know: the client ("solvinge"; in a client's channel it is known already),
the type ("radering"), the client's ticket number (`#SV-123` or `ref:SV-123`) and, when
the caller asked on another day, the date (`2027-03-05`). What is missing is asked with
buttons ("Vilken kund gäller begäran?", then the type); the last click registers it. The
reply gives the client's script for the caller, the controller and where to forward it
by when, and "Vidarebefordrad" buttons (one per way the client takes requests). On Teams
what is missing is asked with one form instead (bot/features/desk_form.py), submitted once.
Registration and forwarding are each recorded once (the same message's buttons share a
key) and are ledger entries. Nothing about the caller is asked for or kept.

Who may act on a client's requests is the authorisation policy's `request.act` rule
(bot/authz/policy.py); this module asks it and nothing else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Final

from bot.authz import ClientAudience, Decision, Policy, Subject, refusal_text
from bot.authz.policy import CHANNEL_PROVES_MEMBERSHIP
from bot.chat.choices import Choice, ChoiceHandler, Picked, choice_reply
from bot.chat.i18n import t
from bot.chat.messages import Button, Incoming, Reply
from bot.features.desk_clients import DirectoryClients, choices_of, client_command
from bot.features.desk_form import (
    FORM_PLATFORMS,
    FORWARD_ACTION,
    REGISTER_ACTION,
    VIA_INPUT,
    Draft,
    FormValues,
    forward_form,
    parse,
    read_form,
    request_form,
)
from bot.features.desk_strings import COMMON_KINDS, KIND_WORDS
from clients import Client, placeholder_values
from routines.service import (
    Actor,
    Forwarded,
    RequestError,
    RequestRegister,
    RequestView,
    dedupe_key,
)

log = logging.getLogger(__name__)

CLIENT_KIND = "reqclient"  # choice: which client (value: client id, context: the draft)
TYPE_KIND = "reqtype"  # choice: which type (value: kind, context: the draft)
FORWARD_PREFIX = "request.forward."  # + via; value: the request code
_VIA_WORDS: Final = {
    "email": ("email", "e-post", "epost", "mejl", "mail", "e-mail"),
    "portal": ("portal", "webbformulär", "formulär", "web", "form", "webform"),
    "phone": ("phone", "telefon", "tel"),
    "other": ("other", "annat"),
}
_VIA_OF_CONTACT: Final = {"email": "email", "url": "portal", "phone": "phone"}


def audience_of(client: Client) -> ClientAudience:
    return ClientAudience(client.id, client.channels, client.team_leads)


class DeskFeature:
    """`request`, `forwarded` and their buttons (a `ChatFeature`)."""

    name = "desk"
    action_prefixes: tuple[str, ...] = (FORWARD_PREFIX, REGISTER_ACTION, FORWARD_ACTION)

    def __init__(
        self,
        register: RequestRegister,
        clients: DirectoryClients,
        *,
        policy: Policy,
        clock: Callable[[], datetime],
    ) -> None:
        self._register = register
        self._clients = clients
        self._policy = policy
        self._clock = clock

    def choice_handlers(self) -> dict[str, ChoiceHandler]:
        return {CLIENT_KIND: self._on_client_choice, TYPE_KIND: self._on_type_choice}

    # --- commands -----------------------------------------------------------------

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        if command == "forwarded":
            return await self._forward_command(args, incoming, lang)
        if command == "client":
            return client_command(self._clients, args, incoming.conversation.conversation_id, lang)
        if command == "open_requests":
            return await self._open_command(args, incoming, lang)
        if len(self._clients.directory) == 0:
            return [Reply(text=t("desk.no_clients", lang), private=True)]
        draft, rest = parse(args)
        found = self._clients.resolve(rest, incoming.conversation.conversation_id)
        if found.client is not None:
            draft = Draft(found.client.id, draft.kind, draft.ref, draft.received)
        if incoming.platform in FORM_PLATFORMS and not (draft.client and draft.kind):
            values = FormValues(draft.client, draft.kind, draft.received, draft.ref)
            return [self._form(values, incoming, lang, suggested=found.candidates)]
        return await self._next(draft, incoming, lang, choices=choices_of(found.candidates))

    async def _open_command(self, args: str, incoming: Incoming, lang: str) -> list[Reply]:
        """`begäranden [kund]`: open requests, the late ones first (a client's team lead for
        that client, officers for every client or one)."""
        found = self._clients.resolve(args, incoming.conversation.conversation_id)
        client = found.client if args.strip() or found.source == "channel" else None
        audience = audience_of(client) if client is not None else None
        decision = await self._policy.check("request.view", Subject.of(incoming), audience)
        if not decision:
            text = refusal_text(decision, lang) or t("desk.open.refused", lang)
            return [Reply(text=text, private=True)]
        wanted = [client.id] if client is not None else None
        rows = await asyncio.to_thread(self._register.open_requests, wanted)
        today = self._register.today(self._clock())
        if not rows:
            return [Reply(text=t("desk.open.none", lang), private=True)]
        lines = [t("desk.open.title", lang, count=len(rows))]
        for r in rows[:30]:
            other = self._clients.get(r.client_id)
            name = other.name if other is not None else r.client_id
            late = t("desk.open.late", lang) if today > r.forward_by else ""
            lines.append(f"- *{r.code}* {name}, {t(f'desk.kind.{r.kind}', lang)}, "
                         f"{r.forward_by.isoformat()}{late}")  # fmt: skip
        return [Reply(text="\n".join(lines), private=True)]

    async def _next(
        self,
        draft: Draft,
        incoming: Incoming,
        lang: str,
        *,
        choices: tuple[tuple[str, str], ...] = (),
        key: str | None = None,
    ) -> list[Reply]:
        """Ask for what is missing, or register the request."""
        client = self._clients.get(draft.client) if draft.client else None
        if client is None:
            options = [Choice(label, value) for label, value in choices]
            if not options:
                options = [Choice(lbl, v) for lbl, v in choices_of(self._clients.directory.clients)]
            return [choice_reply(t("desk.which_client", lang), CLIENT_KIND, options,
                                 context=draft.context(), lang=lang, private=True)]  # fmt: skip
        if not draft.kind:
            kinds = ", ".join(words[0] for words in KIND_WORDS.values())
            options = [Choice(t(f"desk.kind.{k}", lang), k) for k in COMMON_KINDS]
            return [choice_reply(t("desk.which_kind", lang, kinds=kinds), TYPE_KIND, options,
                                 context=draft.context(), lang=lang, private=True)]  # fmt: skip
        return await self._record(client, draft, incoming, lang, key)

    def _form(
        self,
        values: FormValues,
        incoming: Incoming,
        lang: str,
        *,
        suggested: tuple[Client, ...] = (),
        replaces: str | None = None,
    ) -> Reply:
        today = self._register.today(self._clock())
        return request_form(values, self._clients.directory.clients, today=today, lang=lang,
                            suggested=suggested, replaces=replaces,
                            private=_private(incoming))  # fmt: skip

    async def _on_form(self, incoming: Incoming, lang: str) -> list[Reply]:
        """The form submitted: shown again with the problems, or the request recorded
        once per card, whoever submits it (in a channel all see it; a double submit
        answers "already registered")."""
        assert incoming.action is not None
        card = incoming.action.message_id
        today = self._register.today(self._clock())
        values = read_form(incoming.action.inputs, self._clients.directory.ids, today, lang)
        client = self._clients.get(values.client) if values.client else None
        if values.problems or client is None:
            return [self._form(values, incoming, lang, replaces=card)]
        draft = Draft(client.id, values.kind, values.ref, values.received)
        key = dedupe_key(incoming.platform, "form", card) if card else None
        return await self._record(client, draft, incoming, lang, key, card)

    async def _record(
        self,
        client: Client,
        draft: Draft,
        incoming: Incoming,
        lang: str,
        key: str | None,
        replaces: str | None = None,
    ) -> list[Reply]:
        decision = await self.allowed(incoming, client)
        if not decision:
            return [Reply(text=_refused(decision, incoming, client.name, lang), private=True)]
        now = self._clock()
        received = self._register.today(now)
        if draft.received:
            try:
                received = date.fromisoformat(draft.received)
            except ValueError:
                problem = f"{draft.received} is not a date"
                return [Reply(text=t("desk.bad_input", lang, problem=problem), private=True)]
        if key is None and incoming.event_id:
            key = dedupe_key(incoming.platform, "event", incoming.event_id)
        try:
            done = await asyncio.to_thread(
                lambda: self._register.register(
                    client_id=client.id,
                    kind=draft.kind,
                    received_on=received,
                    business_days=client.rights_requests.forward_within_business_days,
                    now=now,
                    actor=_actor(incoming),
                    client_ref=draft.ref or None,
                    dedupe=key,
                )
            )
        except RequestError as exc:
            return [Reply(text=t("desk.bad_input", lang, problem=str(exc)), private=True)]
        log.info("request registered", extra={"platform": incoming.platform, "new": done.created})
        reply = self._registered_reply(client, done.request, lang, created=done.created,
                                       private=_private(incoming),
                                       forms=incoming.platform in FORM_PLATFORMS)  # fmt: skip
        return [replace(reply, replaces=replaces) if replaces else reply]

    def _registered_reply(
        self,
        client: Client,
        request: RequestView,
        lang: str,
        *,
        created: bool,
        private: bool,
        forms: bool = False,
    ) -> Reply:
        """The registration: script, controller, deadlines, and "Vidarebefordrad" (one
        button per way the client takes requests; with forms, one button and how)."""
        values = placeholder_values(client, "en" if lang == "en" else "sv")
        contacts = ", ".join(value for _kind, value in client.rights_requests.contacts())
        lines = [
            t("desk.registered" if created else "desk.already", lang, code=request.code,
              kind=t(f"desk.kind.{request.kind}", lang), client=client.name,
              received=request.received_on.isoformat()),
            t("desk.say", lang, script=values["client.script"]),
            t("desk.forward_to", lang, controller=client.controller, contacts=contacts,
              forward_by=request.forward_by.isoformat(),
              respond_by=request.respond_by.isoformat()),
            t("desk.no_personal_data", lang),
        ]  # fmt: skip
        vias = tuple(_VIA_OF_CONTACT[kind] for kind, _value in client.rights_requests.contacts())
        if forms:
            form = forward_form(f"{request.code}|{lang}", vias, lang)
            return Reply(text="\n\n".join(lines), form=form, private=private)
        buttons = tuple(
            Button(
                f"{FORWARD_PREFIX}{_VIA_OF_CONTACT[kind]}",
                t("desk.forward_button", lang, via=t(f"desk.via.{_VIA_OF_CONTACT[kind]}", lang)),
                value=f"{request.code}|{lang}",
                style="primary",
            )
            for kind, _value in client.rights_requests.contacts()
        )
        return Reply(text="\n\n".join(lines), buttons=buttons, private=private)

    # --- choices --------------------------------------------------------------------

    async def _on_client_choice(self, choice: Picked, incoming: Incoming) -> list[Reply]:
        draft = Draft.from_context(choice.context)
        draft = Draft(choice.value, draft.kind, draft.ref, draft.received)
        return await self._next(draft, incoming, choice.lang, key=_click_key(incoming))

    async def _on_type_choice(self, choice: Picked, incoming: Incoming) -> list[Reply]:
        draft = Draft.from_context(choice.context)
        kind = choice.value if choice.value in KIND_WORDS else ""
        draft = Draft(draft.client, kind, draft.ref, draft.received)
        return await self._next(draft, incoming, choice.lang, key=_click_key(incoming))

    # --- forwarding -------------------------------------------------------------------

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        assert incoming.action is not None
        if incoming.action.action_id == REGISTER_ACTION:
            lang = incoming.action.value if incoming.action.value in ("sv", "en") else lang
            return await self._on_form(incoming, lang)
        if incoming.action.action_id == FORWARD_ACTION:  # the form's how, if chosen
            via = incoming.action.inputs.get(VIA_INPUT, "")
        else:
            via = incoming.action.action_id[len(FORWARD_PREFIX) :]
        code, _, button_lang = incoming.action.value.partition("|")
        lang = button_lang if button_lang in ("sv", "en") else lang
        return await self._forward(code, via if via in _VIA_WORDS else None, incoming, lang)

    async def _forward_command(self, args: str, incoming: Incoming, lang: str) -> list[Reply]:
        words = args.split()
        if not words:
            return [Reply(text=t("desk.forward_usage", lang), private=True)]
        via = None
        if len(words) > 1:
            via = next((v for v, ws in _VIA_WORDS.items() if words[1].lower() in ws), None)
        return await self._forward(words[0], via, incoming, lang)

    async def _forward(
        self, code: str, via: str | None, incoming: Incoming, lang: str
    ) -> list[Reply]:
        request = await asyncio.to_thread(self._register.get, code)
        client = self._clients.get(request.client_id) if request is not None else None
        if request is None:
            return [Reply(text=t("desk.unknown_code", lang, code=code[:12]), private=True)]
        name = client.name if client is not None else request.client_id
        registrant = await asyncio.to_thread(self._register.registrant, request.code)
        decision = await self.allowed(incoming, client, registrant) if client else None
        if not decision:
            return [Reply(text=_refused(decision, incoming, name, lang), private=True)]
        done: Forwarded = await asyncio.to_thread(
            lambda: self._register.forward(
                request.code, now=self._clock(), actor=_actor(incoming), via=via
            )
        )
        current = done.request or request
        if done.result == "already":
            at = current.forwarded_at.isoformat(timespec="minutes") if current.forwarded_at else ""
            return [Reply(text=t("desk.forwarded_already", lang, code=current.code, at=at),
                          private=True)]  # fmt: skip
        via_text = t("desk.via_text", lang, via=t(f"desk.via.{via}", lang)) if via else ""
        key = "desk.forwarded_late" if done.late else "desk.forwarded"
        text = t(key, lang, code=current.code, client=name, via_text=via_text,
                 kind=t(f"desk.kind.{current.kind}", lang),
                 forward_by=current.forward_by.isoformat())  # fmt: skip
        if _private(incoming):
            return [Reply(text=text, private=True)]
        card = incoming.action.message_id if incoming.action else None
        return [Reply(text=text, replaces=card)]  # the buttons' card says it is done

    # --- authorisation ------------------------------------------------------------------

    async def allowed(
        self, incoming: Incoming, client: Client, registrant: tuple[str, str] | None = None
    ) -> Decision:
        """THE question: may this person act on this client's requests (or on one, by
        `registrant`)?"""
        audience = replace(audience_of(client), registrant=registrant)
        decision = await self._policy.check("request.act", Subject.of(incoming), audience)
        if not decision:
            log.info("request action refused", extra={"platform": incoming.platform,
                                                      "reason": decision.reason})  # fmt: skip
        return decision


def _refused(decision: Decision | None, incoming: Incoming, client: str, lang: str) -> str:
    """Why not, and where it works: on Teams membership shows only inside the channel, so
    an agent of the client asking from the 1:1 chat is told to do it there."""
    shared = refusal_text(decision, lang) if decision is not None else None
    if shared:
        return shared
    if (
        decision is not None
        and decision.reason == "not_member"
        and incoming.platform in CHANNEL_PROVES_MEMBERSHIP
    ):
        return t("desk.refused.outside_channel", lang, client=client)
    return t("desk.refused", lang, client=client)


def _actor(incoming: Incoming) -> Actor:
    return Actor(incoming.platform, incoming.user_id, incoming.display_name, incoming.email)


def _private(incoming: Incoming) -> bool:
    """Whether the desk's form and registration go to the agent only. Slack shows them to
    the agent alone; Teams cannot (a private reply lands in the 1:1 chat, where a click no
    longer proves membership of the client's channel: bot/authz/policy.py), so there they
    stay in the channel's thread. They hold nothing about the caller either way."""
    return incoming.platform not in CHANNEL_PROVES_MEMBERSHIP


def _click_key(incoming: Incoming) -> str | None:
    """A message's buttons clicked twice (or two of them) by one person: one registration."""
    message_id = incoming.action.message_id if incoming.action else None
    if not message_id:
        return None
    return dedupe_key(incoming.platform, "click", message_id, incoming.user_id)
