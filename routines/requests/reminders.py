"""Reminders and escalations for rights requests not forwarded in time.

A request still open climbs one stage per pass, each stage once (a conditional UPDATE on
`stage` decides which replica sends it, and its `request.reminded` ledger entry commits
with it):

1. on its forward-by day: a reminder to the agent who registered it;
2. the business day after (it is late): an escalation to the client's team leads;
3. one more business day later: an escalation to the compliance officers.

A stage with nobody to tell (registered from the command line, a client without team
leads) is recorded all the same and the next stage follows on its day. A notice is sent
after its stage commits: a crash in between loses that one notice (the ledger shows the
stage; the next stage still comes), it never sends one twice. A notice the platform
failed for now (rate limit, server error, timeout, an answer that is not JSON: a
retryable `DeliveryError`) is sent again at each following pass of this process, up to
RETRY_PASSES times; one it refused for good (an inactive account) is not.

`RequestReminders.run(now)` is one pass (time passed in); `RequestReminderJob` runs it
on the bot's scheduler and is the only part of the register that reads the clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from routines.ledger.chain import REQUEST_REMINDED, append_event
from routines.ports import DeliveryError, Notice, Notifier, Recipient
from routines.requests.deadlines import business_days_between
from routines.requests.models import (
    AGENT_REMINDED,
    LEAD_ESCALATED,
    OFFICERS_ESCALATED,
    RightsRequest,
)
from routines.requests.register import RequestView, view
from routines.schedule.rules import local_date
from storage.clock import as_utc, utc_now
from storage.people import Person
from storage.sessions import transaction

log = logging.getLogger(__name__)

ROUTINE_ID: Final = "rights-request"  # what the notices carry in place of a routine id
JOB_ID: Final = "rights-requests"
KindLabel = Callable[[str, str], str]  # (request type, language) -> its words
_TO: Final = {AGENT_REMINDED: "agent", LEAD_ESCALATED: "leads", OFFICERS_ESCALATED: "officers"}
RETRY_PASSES: Final = 60  # an hour at the default tick: a platform outage, not a broken address


@dataclass(frozen=True)
class ClientContacts:
    """What a reminder needs to know about a client (from the client directory)."""

    name: str
    controller: str
    contacts: str  # where requests go, e.g. "dataskydd@acme.example, https://acme…/gdpr"
    leads: tuple[Recipient, ...] = ()


@dataclass(frozen=True)
class Step:
    """One stage a request reached in this pass, and who was told."""

    code: str
    stage: int
    recipients: tuple[Recipient, ...]


def stage_due(request: RequestView, today: date) -> int | None:
    """The next stage this open request has reached by `today`, or None."""
    if request.forwarded_at is not None:
        return None
    if request.stage < AGENT_REMINDED and today >= request.forward_by:
        return AGENT_REMINDED
    # Late counts in business days, as the promise does: a request due on a Friday is not
    # escalated on the Saturday but on the Monday.
    if request.stage == AGENT_REMINDED and business_days_between(request.forward_by, today) >= 1:
        return LEAD_ESCALATED
    if request.stage == LEAD_ESCALATED and business_days_between(request.forward_by, today) >= 2:
        return OFFICERS_ESCALATED
    return None


_TEXT: Final = {
    "sv": {
        "title": "Begäran {code} är inte vidarebefordrad",
        "agent": "Begäran *{code}* ({kind}) för {client} ska vidarebefordras till "
        "{controller} ({contacts}) senast *{forward_by}*. Skicka den och skriv "
        "`vidarebefordrad {code}` (eller tryck på knappen i registreringen).",
        "leads": "Begäran *{code}* ({kind}) för {client}, mottagen {received}, skulle ha "
        "vidarebefordrats till {controller} senast {forward_by} och är det inte. Se till att "
        "den skickas i dag och att någon skriver `vidarebefordrad {code}`.",
        "officers": "Eskalering: begäran *{code}* ({kind}) för {client}, mottagen "
        "{received}, är fortfarande inte vidarebefordrad (skulle ha skett senast "
        "{forward_by}; den personuppgiftsansvarige ska svara senast {respond_by}).",
    },
    "en": {
        "title": "Request {code} is not forwarded",
        "agent": "Request *{code}* ({kind}) for {client} must be forwarded to {controller} "
        "({contacts}) by *{forward_by}*. Send it and type `forwarded {code}` (or press the "
        "button on the registration).",
        "leads": "Request *{code}* ({kind}) for {client}, received {received}, was due to be "
        "forwarded to {controller} by {forward_by} and is not. Make sure it goes today and "
        "someone types `forwarded {code}`.",
        "officers": "Escalation: request *{code}* ({kind}) for {client}, received "
        "{received}, is still not forwarded (due by {forward_by}; the controller must "
        "answer by {respond_by}).",
    },
}


def notice_for(
    request: RequestView,
    stage: int,
    client: ClientContacts,
    lang: str,
    kind_label: KindLabel | None = None,
) -> Notice:
    """The reminder or escalation; `kind_label(kind, lang)` words the request type (the
    chat's "radering (art. 17)"), else the type's id."""
    texts = _TEXT["en" if lang == "en" else "sv"]
    text = texts[_TO[stage]].format(
        code=request.code,
        kind=kind_label(request.kind, lang) if kind_label else request.kind,
        client=client.name,
        controller=client.controller,
        contacts=client.contacts,
        received=request.received_on.isoformat(),
        forward_by=request.forward_by.isoformat(),
        respond_by=request.respond_by.isoformat(),
    )
    return Notice(
        kind="reminder" if stage == AGENT_REMINDED else "escalation",
        routine_id=ROUTINE_ID,
        title=texts["title"].format(code=request.code),
        text=text,
        lang=lang,
        due_date=request.forward_by,
        gdpr=("12(3)", "28(3)(e)"),
    )


class RequestReminders:
    """One pass over the open requests: claim each due stage once, then tell people."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        notifier: Notifier,
        *,
        clients: Mapping[str, ClientContacts],
        officers: tuple[Recipient, ...],
        timezone: str,
        language: str = "sv",
        kind_label: KindLabel | None = None,
    ) -> None:
        self._sessions = sessions
        self._notifier = notifier
        self._clients = clients
        self._officers = officers
        self._timezone = timezone
        self._language = language
        self._kind_label = kind_label
        self._undelivered: list[_Undelivered] = []  # failed for now: sent again next pass

    def set_officers(self, officers: tuple[Recipient, ...]) -> None:
        """Who the last stage tells, from now on (officers named by e-mail address are known
        only once the platforms' directories answered, at start)."""
        self._officers = officers

    def claim(self, now: datetime) -> list[tuple[RequestView, int, tuple[Recipient, ...]]]:
        """Move every open request that reached its next stage; what to send, per request."""
        today = local_date(now, self._timezone)
        claimed = []
        with transaction(self._sessions) as session:
            # Values, not attached rows: an ORM UPDATE per request would otherwise re-check
            # every loaded row (quadratic in the open requests).
            rows = [
                (row.id, view(row))
                for row in session.scalars(
                    select(RightsRequest)
                    .where(RightsRequest.forwarded_at.is_(None), RightsRequest.forward_by <= today)
                    .order_by(RightsRequest.id)
                )
            ]
            session.expunge_all()
            for row_id, request in rows:
                stage = stage_due(request, today)
                if stage is None:
                    continue
                won = session.execute(
                    update(RightsRequest)
                    .where(RightsRequest.id == row_id, RightsRequest.stage == request.stage)
                    .where(RightsRequest.forwarded_at.is_(None))
                    .values(stage=stage, stage_at=as_utc(now))
                    .execution_options(synchronize_session=False)
                ).rowcount  # type: ignore[attr-defined]
                if not won:
                    continue  # another replica took this stage
                recipients = self._recipients(session, request, stage)
                append_event(
                    session,
                    REQUEST_REMINDED,
                    {
                        "request": request.code,
                        "client": request.client_id,
                        "to": _TO[stage],
                        "recipients": len(recipients),
                        "person_key": request.registered_by if stage == AGENT_REMINDED else None,
                    },
                    now,
                )
                claimed.append((request, stage, recipients))
        return claimed

    def _recipients(
        self, session: Session, request: RequestView, stage: int
    ) -> tuple[Recipient, ...]:
        if stage == AGENT_REMINDED:
            if request.registered_by is None:
                return ()
            person = session.get(Person, request.registered_by)
            if person is None or person.platform_user_id is None or person.erased_at:
                return ()
            return (Recipient(person.platform, "person", person.platform_user_id),)
        if stage == LEAD_ESCALATED:
            client = self._clients.get(request.client_id)
            return client.leads if client is not None else ()
        return self._officers

    async def run(self, now: datetime) -> list[Step]:
        """One pass: what failed for now at the last pass again, then claim (in a worker
        thread) and send each notice."""
        retries, self._undelivered = self._undelivered, []
        for retry in retries:
            await self._send(retry.recipient, retry.notice, retry.stage, retry.passes + 1)
        claimed = await asyncio.to_thread(self.claim, now)
        steps = []
        for request, stage, recipients in claimed:
            client = self._clients.get(request.client_id) or ClientContacts(
                request.client_id, request.client_id, "-"
            )
            notice = notice_for(request, stage, client, self._language, self._kind_label)
            for recipient in recipients:
                await self._send(recipient, notice, stage, 1)
            steps.append(Step(request.code, stage, recipients))
        return steps

    async def _send(self, recipient: Recipient, notice: Notice, stage: int, passes: int) -> None:
        try:
            await self._notifier.send(recipient, notice)
        except DeliveryError as exc:  # expected (platform off, not installed): one line
            log.warning(
                "request reminder not delivered",
                extra={"platform": recipient.platform, "stage": stage,
                       "error": type(exc).__name__, "retryable": exc.retryable},
            )  # fmt: skip
            if exc.retryable and passes < RETRY_PASSES:
                self._undelivered.append(_Undelivered(recipient, notice, stage, passes))
        except Exception:
            log.warning(
                "request reminder not delivered",
                extra={"platform": recipient.platform, "stage": stage},
                exc_info=True,
            )


@dataclass(frozen=True)
class _Undelivered:
    recipient: Recipient
    notice: Notice
    stage: int
    passes: int  # how many passes have tried it


class RequestReminderJob:
    """`RequestReminders.run` on the bot's one scheduler, every `seconds` (and at start)."""

    def __init__(
        self,
        reminders: RequestReminders,
        *,
        seconds: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._reminders = reminders
        self._seconds = seconds
        self._clock = clock

    async def run_once(self) -> list[Step]:
        try:
            return await self._reminders.run(self._clock())
        except Exception:
            log.exception("request reminders failed")
            return []

    def add_jobs(self, scheduler: BaseScheduler) -> list[str]:
        scheduler.add_job(
            self.run_once,
            IntervalTrigger(seconds=self._seconds),
            id=JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        return [JOB_ID]
