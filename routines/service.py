"""The one entry to routines for the bot: use cases, and the values they hand out.

Chat features import this module and `routines.ports`, nothing deeper. Everything takes
`now`; only the scheduler's jobs (routines/jobs.py) read the clock.

`RoutineService.tick(now)` is the whole engine: create every occurrence whose posting
moment has come (catch-up included), enqueue the reminders, re-reminders and escalations
that are due, and dispatch the outbox. It is idempotent, so any number of replicas may
tick at any time: the database decides who does what. `ReportService` serves the chat's
reports and overdue lists (routines/reports/service.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from routines.catalog import PLATFORMS, Catalog, Routine, Target, contact_target
from routines.catalog.training import Training
from routines.clicks import Audience, Clicks, ConfirmRequest, confirm_in
from routines.engine import acknowledgements as ack
from routines.engine import notes, problems
from routines.engine.dispatch import Dispatcher
from routines.engine.models import (
    MISSED,
    OPEN,
    Confirmation,
    Occurrence,
    OccurrenceAssignee,
)
from routines.engine.notices import actions, gdpr_refs, outcome_line
from routines.engine.occurrences import KindContent, KindProvider
from routines.engine.planning import PlanMemo, TickReport, enqueue_updates, plan
from routines.engine.training import Answered, Attempt, Started
from routines.ledger.chain import CONFIRMATION_REFUSED, append_event
from routines.ledger.status import Checkpoint, LedgerStatus
from routines.ports import NoticeAction, Notifier
from routines.quizzes import QuizService, TrainingRecord
from routines.reports.adherence import (
    OUTCOMES,
    Period,
    RoutineInfo,
    Summary,
    Tally,
    between,
    current_quarter,
    parse_period,
)
from routines.reports.dashboard import MonthFigures, Overview, RoutineRow, TeamRow
from routines.reports.export import Missing, Shortfall
from routines.reports.formats import FORMATS, MIME, Format
from routines.reports.occurrence_view import EntryView, OccurrenceDetail, OccurrencePage
from routines.reports.overdue import Overdue
from routines.reports.service import ChatReport, ReportService
from routines.reports.training import CampaignRow
from routines.reports.views import EvidenceViews  # the web pages' read model
from routines.requests.models import KINDS as REQUEST_KINDS
from routines.requests.models import VIAS as FORWARD_VIAS
from routines.requests.register import (
    Forwarded,
    Registered,
    RequestError,
    RequestRegister,
    RequestView,
    dedupe_key,
)
from routines.requests.reminders import ClientContacts, RequestReminderJob, RequestReminders
from routines.schedule.rules import local_date
from storage.clock import DEFAULT_TIMEZONE, aware_utc
from storage.people import Person, display_name_of, person_key_for
from storage.sessions import transaction

log = logging.getLogger(__name__)

Actor = ack.Actor
Outcome = ack.Outcome
# What a database that is away raises (unreachable, connection lost, locked, read-only,
# full, a statement timeout, no pooled connection free), for callers without sqlalchemy.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, PoolTimeout)

# What chat features use, from here only (they import nothing deeper in routines).
__all__ = [
    "DATABASE_UNAVAILABLE",
    "FORMATS",
    # the rights-request desk (routines/requests)
    "FORWARD_VIAS",
    "MIME",
    # the web pages (bot/web): read model and its values
    "OUTCOMES",
    "PLATFORMS",
    "REQUEST_KINDS",
    "Actor",
    "Answered",
    "Attempt",
    "Audience",
    "CampaignRow",
    "Catalog",
    "ChatReport",
    "Checkpoint",
    "ClientContacts",
    "ConfirmRequest",
    "EntryView",
    "EvidenceViews",
    "Format",
    "Forwarded",
    "KindContent",
    "KindProvider",
    "LedgerStatus",
    "Missing",
    "MonthFigures",
    "OccurrenceDetail",
    "OccurrencePage",
    "OpenItem",
    "Outcome",
    "Overdue",
    "Overview",
    "Period",
    "QuizService",
    "Registered",
    "ReportService",
    "RequestError",
    "RequestRegister",
    "RequestReminderJob",
    "RequestReminders",
    "RequestView",
    "Routine",
    "RoutineInfo",
    "RoutineRow",
    "RoutineService",
    "Shortfall",
    "Started",
    "Summary",
    "Tally",
    "Target",
    "TeamRow",
    "TickReport",
    "Training",
    "TrainingRecord",
    "between",
    "current_quarter",
    "dedupe_key",
    "local_date",
    "parse_period",
]


@dataclass(frozen=True)
class OpenItem:
    """An occurrence someone may still confirm, with what the chat shows about it."""

    occurrence_id: int
    routine: Routine
    due_date: date
    status: str

    def title(self, lang: str) -> str:
        return self.routine.text(self.routine.title, lang)

    def overdue(self, now: datetime) -> bool:
        return self.due_date < local_date(now, self.routine.timezone)

    @property
    def gdpr_line(self) -> str:
        """`GDPR art. 5(1)(e), GDPR art. 30`, or "" for a routine that names none."""
        return gdpr_refs(self.routine) if self.routine.gdpr else ""

    def actions(self, lang: str) -> tuple[NoticeAction, ...]:
        return actions(self.routine.evidence, self.occurrence_id, lang, self.routine.kind)


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class RoutineService:
    def __init__(
        self,
        factory: sessionmaker[Session],
        catalog: Catalog,
        notifier: Notifier,
        *,
        providers: Mapping[str, KindProvider] | None = None,
        owner: str | None = None,
        lease_seconds: int = 120,
        language: str = "sv",
        batch_size: int = 100,
        concurrency: int = 8,
        problem_contacts: Sequence[str] = (),  # officers: told when a channel is unreachable
    ) -> None:
        self.factory = factory
        self.catalog = catalog
        self.quiz = QuizService(factory, catalog)  # training campaigns: start, answer
        self.clicks = Clicks(factory, catalog)  # concurrent clicks, a group at a time
        self.providers = dict(providers or {})
        self._plan_memo = PlanMemo()  # between this process's ticks
        self.language = language
        self.dispatcher = Dispatcher(
            factory, notifier, catalog,
            owner=owner or default_owner(), lease_seconds=lease_seconds,
            batch_size=batch_size, concurrency=concurrency, language=language,
            problem_contacts=[t for c in problem_contacts if (t := contact_target(c))],
        )  # fmt: skip

    def register_kind(self, kind: str, provider: KindProvider) -> None:
        self.providers[kind] = provider

    # --- the engine ----------------------------------------------------------------------

    async def tick(self, now: datetime, clock: Callable[[], datetime] | None = None) -> TickReport:
        now = aware_utc(now)
        report = await asyncio.to_thread(self.plan, now)
        report.dispatch = await self.dispatcher.dispatch(now, clock)
        return report

    def plan(self, now: datetime) -> TickReport:
        """Create due occurrences and enqueue due follow-ups (no sending)."""
        return plan(self.factory, self.catalog, self.providers, now, self._plan_memo)

    async def channel_joined(self, platform: str, channel: str, now: datetime) -> int:
        """The bot was added to a channel: post what could not be delivered there, now."""
        now = aware_utc(now)

        def requeue() -> int:
            with transaction(self.factory) as session:
                return problems.requeue_channel(session, platform, channel, now)

        queued = await asyncio.to_thread(requeue)
        if queued:
            await self.dispatcher.dispatch(now)
        return queued

    # --- chat-facing use cases ---------------------------------------------------------

    def open_for(self, actor: ack.Actor, now: datetime) -> list[OpenItem]:
        """Occurrences this person may still confirm (their own, and anyone-in-channel ones)."""
        now = aware_utc(now)
        with transaction(self.factory) as session:
            key = person_key_for(
                session, actor.platform, actor.user_id, now,
                display_name=actor.display_name, email=actor.email,
            )  # fmt: skip
            keys = {key}
            if actor.email:  # an assignee named by e-mail is the same person
                keys |= set(
                    session.scalars(
                        select(Person.person_key).where(
                            func.lower(Person.email) == actor.email.lower(),
                            Person.erased_at.is_(None),
                        )
                    )
                )
            mine = select(OccurrenceAssignee.occurrence_id).where(
                OccurrenceAssignee.person_key.in_(keys)
            )
            answered = select(Confirmation.occurrence_id).where(Confirmation.person_key.in_(keys))
            rows = session.scalars(
                select(Occurrence)
                .where(
                    Occurrence.status.in_((OPEN, MISSED)),
                    or_(Occurrence.id.in_(mine), Occurrence.anyone_in_channel.is_(True)),
                    Occurrence.id.not_in(answered),
                )
                .order_by(Occurrence.due_date, Occurrence.id)
            ).all()
            return [
                OpenItem(o.id, routine, o.due_date, o.status)
                for o in rows
                if (routine := self.catalog.get(o.routine_id)) is not None
            ]

    def confirm(
        self,
        occurrence_id: int,
        actor: ack.Actor,
        now: datetime,
        note: str | None = None,
        *,
        message_id: str | None = None,
    ) -> ack.Outcome:
        """Record a confirmation; on closing, its posts are queued for an update. (Clicks
        in the chat go through `clicks.confirm`, which groups concurrent ones.)"""
        request = ConfirmRequest(occurrence_id, actor, aware_utc(now), note, message_id)
        with transaction(self.factory) as session:
            return confirm_in(session, self.catalog, request)

    def not_applicable(
        self,
        occurrence_id: int,
        actor: ack.Actor,
        reason: str | None,
        now: datetime,
        *,
        message_id: str | None = None,
        officer: bool = False,
    ) -> ack.Outcome:
        now = aware_utc(now)
        with transaction(self.factory) as session:
            routine = self._routine_of(session, occurrence_id)
            outcome = ack.not_applicable(
                session, occurrence_id, actor, reason, now, officer=officer,
                timezone=routine.timezone if routine else DEFAULT_TIMEZONE,
            )  # fmt: skip
            if outcome.result == "not_applicable":
                enqueue_updates(session, occurrence_id, now, skip_message=message_id)
            return outcome

    def add_note(
        self, occurrence_id: int, actor: ack.Actor, text: str | None, now: datetime
    ) -> ack.Outcome:
        now = aware_utc(now)
        with transaction(self.factory) as session:
            return notes.add_note(session, occurrence_id, actor, text, now)

    def outcome_line(self, outcome: ack.Outcome, lang: str, now: datetime) -> str:
        """ "✅ Bekräftad av Anna, 2027-01-05 10:12" for a recorded outcome (a query only
        when the outcome does not carry the name already)."""
        who = outcome.who
        if who is None and outcome.person_key:
            with transaction(self.factory) as session:
                who = display_name_of(session, outcome.person_key)
        routine = self.catalog.get(outcome.routine_id)
        timezone = routine.timezone if routine else DEFAULT_TIMEZONE
        kind = (
            "not_applicable"
            if outcome.result == "not_applicable" or outcome.kind == "not_applicable"
            else "confirm"
        )
        at = outcome.at or now
        return outcome_line(lang, kind, who, at, timezone, outcome.reason)

    def title(self, routine_id: str, lang: str) -> str:
        """The routine's title in `lang` (its id once it has left the catalogue)."""
        routine = self.catalog.get(routine_id)
        return routine.text(routine.title, lang) if routine else routine_id

    def actions(self, routine_id: str, occurrence_id: int, lang: str) -> tuple[NoticeAction, ...]:
        """The buttons an open occurrence carries (confirm, not applicable, note)."""
        routine = self.catalog.get(routine_id)
        if routine is None:
            return actions("none", occurrence_id, lang)
        return actions(routine.evidence, occurrence_id, lang, routine.kind)

    def open_ids(self) -> list[int]:
        """Every occurrence still waiting for an answer (open or missed), oldest first."""
        with transaction(self.factory) as session:
            return list(
                session.scalars(
                    select(Occurrence.id)
                    .where(Occurrence.status.in_((OPEN, MISSED)))
                    .order_by(Occurrence.id)
                )
            )

    def audience(self, occurrence_id: int) -> Audience | None:
        """Who an occurrence is for, for the policy (None: no such occurrence or routine)."""
        return self.clicks.audiences_of([occurrence_id])[0]

    def record_refused(
        self, occurrence_id: int, actor: ack.Actor, action: str, now: datetime
    ) -> str:
        """Someone the policy refused tried to act: a `confirmation.refused` ledger entry."""
        now = aware_utc(now)
        with transaction(self.factory) as session:
            key = person_key_for(session, actor.platform, actor.user_id, now)
            append_event(
                session,
                CONFIRMATION_REFUSED,
                {"occurrence_id": occurrence_id, "person_key": key, "action": action,
                 "platform": actor.platform},
                now,
            )  # fmt: skip
        return key

    def _routine_of(self, session: Session, occurrence_id: int) -> Routine | None:
        routine_id = session.scalar(
            select(Occurrence.routine_id).where(Occurrence.id == occurrence_id)
        )
        return self.catalog.get(routine_id) if routine_id else None
