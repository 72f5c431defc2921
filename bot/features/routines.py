"""Routines in the conversation: list my open routines, confirm, not applicable, add a note.

Words: `routines`/`rutiner` (my open occurrences, each with buttons), `ack`/`kvittera`
<id> [note], `na`/`ejtillämplig` <id> <reason>, `note`/`anteckning` <id> <text>. Buttons
carry `routine.confirm` / `routine.na` / `routine.note` with the occurrence id as value and
any typed reason or note in `Action.inputs` ("reason" / "note"). When the words are
missing the private reply carries a `Prompt` (Slack modal, Teams card input); its text
still says what to type, for the console.

A recorded confirmation replaces the message the button sat on ("✅ Bekräftad av Anna,
2027-01-05 10:12"); refusals are private and polite. The database does the real work
(routines.service) in a worker thread; this module only turns outcomes into replies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Final, Protocol

from bot.authz import ChannelAudience, Policy, Subject, refusal_text
from bot.authz.policy import LOCAL_PLATFORMS
from bot.chat import metrics
from bot.chat.i18n import add_strings, t
from bot.chat.messages import Button, Incoming, Prompt, Reply
from routines.ports import ACTION_CONFIRM, ACTION_NOT_APPLICABLE, ACTION_NOTE, NoticeAction
from routines.service import Actor, ConfirmRequest, OpenItem, Outcome, RoutineService

TEXT: Final[dict[str, dict[str, str]]] = {
    "sv": {
        "routines.none": "Du har inga öppna rutiner just nu. 🎉",
        "routines.header": "Dina öppna rutiner ({n}):",
        "routines.due": "klart senast {due}",
        "routines.overdue": "försenad sedan {due}",
        "routines.remaining": "{n} till behöver bekräfta.",
        "routines.not_assignee": (
            "Den här rutinen är tilldelad någon annan, så din bekräftelse kan inte räknas. "
            "Skriv `rutiner` för att se dina egna. Hör av dig till den som äger rutinen om "
            "du tycker att du borde stå med."
        ),
        "routines.not_found": (
            "Jag hittar ingen öppen rutin med koden {id}. Skriv `rutiner` för att se dina."
        ),
        "routines.not_member": (
            "Den här rutinen bekräftas av medlemmarna i kanalen den postades i, och du är "
            "inte med där, så jag kan inte registrera det. Försöket är noterat. Hör av dig "
            "till den som äger rutinen om du tycker att du borde kunna bekräfta den."
        ),
        "routines.closed": "Den här rutinen är redan avslutad ({status}); inget mer behöver göras.",
        "routines.needs_evidence": (
            "Den här rutinen kräver underlag. Skriv `kvittera {id} <anteckning eller länk>`."
        ),
        "routines.needs_reason": "Ange en anledning: skriv `ejtillämplig {id} <anledning>`.",
        "routines.not_posted": "Den här rutinen har inte postats än, så den kan inte bekräftas.",
        "routines.needs_officer": (
            "Förfallodagen har passerat: bara en compliance officer kan "
            "markera den som ej tillämplig nu. Kvittera den, eller be dem göra det."
        ),
        "routines.needs_quiz": (
            "Den här utbildningen bekräftas genom att du klarar quizet: skriv `utbildning {id}`."
        ),
        "routines.note_how": "Skriv `anteckning {id} <text eller länk>`.",
        "routines.noted": "📎 Anteckningen är sparad.",
        "routines.bad_id": "Ange rutinens kod, som den står i `rutiner`, t.ex. `{example}`.",
        "routines.example.ack": "kvittera k7m2qp",
        "routines.example.na": "ejtillämplig k7m2qp <anledning>",
        "routines.example.note": "anteckning k7m2qp <text eller länk>",
        "routines.prompt.reason.title": "Ej tillämplig",
        "routines.prompt.reason.label": "Varför är rutinen inte tillämplig?",
        "routines.prompt.note.title": "Lägg till anteckning",
        "routines.prompt.note.label": "Anteckning eller länk till underlag",
        "routines.prompt.evidence.title": "Underlag krävs",
        "routines.prompt.evidence.label": "Anteckning eller länk som visar att rutinen är gjord",
        "routines.prompt.submit": "Skicka",
        "routines.status.done": "klar",
        "routines.status.late": "klar efter deadline",
        "routines.status.missed": "missad",
        "routines.status.not_applicable": "ej tillämplig",
        "routines.status.open": "öppen",
    },
    "en": {
        "routines.none": "You have no open routines right now. 🎉",
        "routines.header": "Your open routines ({n}):",
        "routines.due": "due {due}",
        "routines.overdue": "overdue since {due}",
        "routines.remaining": "{n} more need to confirm.",
        "routines.not_assignee": (
            "This routine is assigned to someone else, so your confirmation cannot count. "
            "Type `routines` to see your own. Contact the routine's owner if you think you "
            "should be on it."
        ),
        "routines.not_found": (
            "I cannot find an open routine with the code {id}. Type `routines` to see yours."
        ),
        "routines.not_member": (
            "This routine is confirmed by the members of the channel it was posted in, and "
            "you are not one of them, so I cannot record that. The attempt is noted. Contact "
            "the routine's owner if you think you should be able to confirm it."
        ),
        "routines.closed": "This routine is already closed ({status}); nothing more is needed.",
        "routines.needs_evidence": "This routine needs evidence. Type `ack {id} <note or link>`.",
        "routines.needs_reason": "Please give a reason: type `na {id} <reason>`.",
        "routines.not_posted": "This routine has not been posted yet, so it cannot be confirmed.",
        "routines.needs_officer": (
            "The due date has passed: only a compliance officer can mark it not applicable "
            "now. Confirm it, or ask them to."
        ),
        "routines.needs_quiz": (
            "This training is confirmed by passing its quiz: type `training {id}`."
        ),
        "routines.note_how": "Type `note {id} <text or link>`.",
        "routines.noted": "📎 The note is saved.",
        "routines.bad_id": "Give the routine's code as `routines` shows it, e.g. `{example}`.",
        "routines.example.ack": "ack k7m2qp",
        "routines.example.na": "na k7m2qp <reason>",
        "routines.example.note": "note k7m2qp <text or link>",
        "routines.prompt.reason.title": "Not applicable",
        "routines.prompt.reason.label": "Why does the routine not apply?",
        "routines.prompt.note.title": "Add note",
        "routines.prompt.note.label": "Note or link to evidence",
        "routines.prompt.evidence.title": "Evidence required",
        "routines.prompt.evidence.label": "Note or link showing that the routine is done",
        "routines.prompt.submit": "Send",
        "routines.status.done": "done",
        "routines.status.late": "done late",
        "routines.status.missed": "missed",
        "routines.status.not_applicable": "not applicable",
        "routines.status.open": "open",
    },
}
add_strings(TEXT)
log = logging.getLogger(__name__)

ACTIONS: Final = {ACTION_CONFIRM: "ack", ACTION_NOT_APPLICABLE: "na", ACTION_NOTE: "note"}
# What to ask for when an answer lacks its words: (action, input id, text key).
PROMPTS: Final = {
    "needs_reason": (ACTION_NOT_APPLICABLE, "reason", "reason"),
    "needs_evidence": (ACTION_CONFIRM, "note", "evidence"),
    "note_how": (ACTION_NOTE, "note", "note"),
}


def prompt_for(result: str, occurrence_id: int, lang: str) -> Prompt | None:
    """The form that collects what `result` says is missing (Slack modal, Teams input)."""
    if result not in PROMPTS:
        return None
    action_id, input_id, key = PROMPTS[result]
    return Prompt(
        action_id=action_id,
        value=str(occurrence_id),
        input_id=input_id,
        title=t(f"routines.prompt.{key}.title", lang),
        label=t(f"routines.prompt.{key}.label", lang),
        submit=t("routines.prompt.submit", lang),
    )


class Codes(Protocol):
    """Occurrence codes (bot/records/codes.py): not guessable, unlike the ids."""

    def code_of(self, occurrence_id: int) -> str: ...


class NumberCodes:
    """The id itself as the code: for the local console and tests of other behaviour."""

    def code_of(self, occurrence_id: int) -> str:
        return str(occurrence_id)


# Platforms whose e-mail address for a user comes from a directory that verifies it
# (Slack's users.info; the console is the local operator). Teams' `mail` is not verified:
# assignees there are named by AAD object id.
EMAIL_VERIFIED: Final = frozenset({"slack", "console"})


def actor_of(incoming: Incoming) -> Actor:
    email = incoming.email if incoming.platform in EMAIL_VERIFIED else None
    return Actor(incoming.platform, incoming.user_id, incoming.display_name, email)


def subject_of(incoming: Incoming) -> Subject:
    """Who asks, for the policy: platform ids only (never a name or e-mail)."""
    return Subject.of(incoming)


def audience_of(item: OpenItem) -> ChannelAudience:
    routine = item.routine
    channels = tuple((t.platform, t.address) for t in routine.post_to if t.kind == "channel")
    return ChannelAudience(routine.id, routine.assignees.anyone_in_channel, channels)


class RoutineFeature:
    """`routines`, `ack`, `na` and `note`, and the `routine.` buttons (a `ChatFeature`)."""

    name = "routines"
    action_prefixes: tuple[str, ...] = ("routine.",)

    def __init__(
        self,
        service: RoutineService,
        *,
        clock: Callable[[], datetime],
        policy: Policy,
        codes: Codes | None = None,
    ) -> None:
        self.service = service
        self.clock = clock
        self.policy = policy
        self.codes: Codes = codes or NumberCodes()

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        if command == "routines":
            return await self._list(incoming, lang)
        raw_id, _, rest = args.strip().partition(" ")
        raw_id = raw_id.strip().lstrip("#").lower()
        if not raw_id or (raw_id.isdigit() and incoming.platform not in LOCAL_PLATFORMS):
            return [Reply(text=_bad_id(command, lang), private=True)]
        occurrence_id = await asyncio.to_thread(self._resolve, raw_id, incoming.platform)
        if occurrence_id is None:
            return [Reply(text=t("routines.not_found", lang, id=raw_id), private=True)]
        return await self._act(command, occurrence_id, rest.strip(), incoming, lang, None)

    def _resolve(self, raw_id: str, platform: str) -> int | None:
        """A typed code among the open occurrences; the console may also type the id."""
        if raw_id.isdigit() and platform in LOCAL_PLATFORMS:
            return int(raw_id)
        return next((i for i in self.service.open_ids() if self.codes.code_of(i) == raw_id), None)

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        action = incoming.action
        if action is None or action.action_id not in ACTIONS:
            return []
        if not action.value.strip().isdigit():
            return [Reply(text=_bad_id(ACTIONS[action.action_id], lang), private=True)]
        text = action.inputs.get("reason") or action.inputs.get("note") or ""
        return await self._act(
            ACTIONS[action.action_id], int(action.value), text.strip(), incoming, lang,
            action.message_id,
        )  # fmt: skip

    # --- listing ----------------------------------------------------------------------

    async def _list(self, incoming: Incoming, lang: str) -> list[Reply]:
        subject = subject_of(incoming)
        decision = await self.policy.check("occurrence.list", subject)
        if not decision:
            return [Reply(text=refusal_text(decision, lang) or "", private=True)]
        now = self.clock()
        items = await asyncio.to_thread(self.service.open_for, actor_of(incoming), now)
        items = [
            item
            for item in items
            if await self.policy.check("occurrence.act", subject, audience_of(item))
        ]
        if not items:
            return [Reply(text=t("routines.none", lang), private=not incoming.is_direct)]
        replies = [
            Reply(text=t("routines.header", lang, n=len(items)), private=not incoming.is_direct)
        ]
        codes = await asyncio.to_thread(
            lambda: {item.occurrence_id: self.codes.code_of(item.occurrence_id) for item in items}
        )
        replies.extend(
            self._item(item, codes[item.occurrence_id], lang, now, incoming) for item in items
        )
        return replies

    def _item(
        self, item: OpenItem, code: str, lang: str, now: datetime, incoming: Incoming
    ) -> Reply:
        key = "overdue" if item.overdue(now) else "due"
        lines = [
            f"*{item.title(lang)}* (#{code})",
            t(f"routines.{key}", lang, due=item.due_date.isoformat()),
            item.gdpr_line,
        ]
        return Reply(
            text="\n".join(line for line in lines if line),
            buttons=_buttons(item.actions(lang)),
            private=not incoming.is_direct,
        )

    # --- acting -----------------------------------------------------------------------

    async def _act(
        self,
        command: str,
        occurrence_id: int,
        text: str,
        incoming: Incoming,
        lang: str,
        message_id: str | None,
    ) -> list[Reply]:
        now = self.clock()
        actor = actor_of(incoming)
        refused = await self._refused(command, occurrence_id, incoming, lang, now)
        if refused:
            return refused
        if command == "note" and not text:
            prompt = prompt_for("note_how", occurrence_id, lang)
            code = await asyncio.to_thread(self.codes.code_of, occurrence_id)
            return [Reply(text=t("routines.note_how", lang, id=code), private=True, prompt=prompt)]
        if command == "ack":  # grouped with the clicks arriving meanwhile
            outcome = await self.service.clicks.confirm(
                ConfirmRequest(occurrence_id, actor, now, text or None, message_id)
            )
        elif command == "na":
            outcome = await asyncio.to_thread(
                partial(
                    self.service.not_applicable,
                    message_id=message_id,
                    officer=self.policy.is_officer(subject_of(incoming)),
                ),
                occurrence_id, actor, text, now,
            )  # fmt: skip
        else:
            outcome = await asyncio.to_thread(
                self.service.add_note, occurrence_id, actor, text, now
            )
        return await self._reply(outcome, lang, now, message_id)

    async def _refused(
        self, command: str, occurrence_id: int, incoming: Incoming, lang: str, now: datetime
    ) -> list[Reply]:
        """The policy's answer for a channel-assigned occurrence: [] when allowed (or no
        such occurrence: the service answers that), else a private refusal, in the ledger."""
        audience = await self.service.clicks.audience(occurrence_id)  # one query for many
        if audience is None:
            return []
        decision = await self.policy.check(
            "occurrence.act",
            subject_of(incoming),
            ChannelAudience(audience.routine_id, audience.anyone_in_channel, audience.channels),
        )
        if decision:
            return []
        if (shared := refusal_text(decision, lang)) is not None:
            return [Reply(text=shared, private=True)]  # nothing recorded: no proven identity
        key = await asyncio.to_thread(
            self.service.record_refused, occurrence_id, actor_of(incoming), command, now
        )
        log.info(
            "routine action refused",
            extra={"platform": incoming.platform, "person_key": key, "reason": decision.reason},
        )
        metrics.CONFIRMATIONS.labels("not_member").inc()
        return [Reply(text=t("routines.not_member", lang), private=True)]

    async def _reply(
        self, outcome: Outcome, lang: str, now: datetime, message_id: str | None
    ) -> list[Reply]:
        oid = outcome.occurrence_id
        metrics.CONFIRMATIONS.labels(outcome.result).inc()
        if outcome.result == "noted":
            return [Reply(text=t("routines.noted", lang), private=True)]
        if outcome.result in {"completed", "confirmed", "not_applicable", "already"}:
            line = (
                self.service.outcome_line(outcome, lang, now)  # the name is in the outcome
                if outcome.who is not None
                else await asyncio.to_thread(self.service.outcome_line, outcome, lang, now)
            )
            lines = [f"*{self.service.title(outcome.routine_id, lang)}*", line]
            buttons: tuple[Button, ...] = ()
            if outcome.status == "open":  # confirm: all, others still to confirm
                if outcome.remaining:
                    lines.append(t("routines.remaining", lang, n=outcome.remaining))
                buttons = _buttons(self.service.actions(outcome.routine_id, oid, lang))
            text = "\n".join(line for line in lines if line)
            return [Reply(text=text, buttons=buttons, replaces=message_id)]
        if outcome.result == "closed":
            status = t(f"routines.status.{outcome.status}", lang)
            return [Reply(text=t("routines.closed", lang, status=status), private=True)]
        prompt = prompt_for(outcome.result, oid, lang)
        code = await asyncio.to_thread(self.codes.code_of, oid)
        return [
            Reply(text=t(f"routines.{outcome.result}", lang, id=code), private=True, prompt=prompt)
        ]


def _buttons(actions: tuple[NoticeAction, ...]) -> tuple[Button, ...]:
    return tuple(
        Button(a.action_id, a.label, a.value, style="primary" if a.kind == "confirm" else None)
        for a in actions
    )


def _bad_id(command: str, lang: str) -> str:
    """ "Give the code", with an example of the command the person typed (ack, na, note)."""
    return t("routines.bad_id", lang, example=t(f"routines.example.{command}", lang))
