"""Routine use cases. Everything takes `now`; only the scheduler (runner.py) reads the clock.

`tick(now)` is the whole engine: create every occurrence whose posting moment has come
(catch-up included), enqueue the reminders, re-reminders and escalations that are due,
and dispatch the outbox. It is idempotent, so any number of replicas may tick at any
time: the database decides who does what.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from routines.catalog import Catalog, Routine
from routines.engine import acknowledgements as ack
from routines.engine.models import (
    ESCALATION,
    MISSED,
    OPEN,
    POST,
    REMINDER,
    REREMINDER,
    UPDATE,
    Confirmation,
    Notification,
    Occurrence,
    OccurrenceAssignee,
    PostedMessage,
)
from routines.engine.notices import outcome_line
from routines.engine.occurrences import (
    KindProvider,
    create_occurrence,
    due_slots,
    enqueue,
    first_seen,
    latest_scheduled,
    recipient_rows,
)
from routines.engine.reminders import Dispatcher, DispatchReport
from routines.ports import Notifier
from routines.schedule.rules import local_date, moment
from storage.clock import DEFAULT_TIMEZONE, aware_utc
from storage.people import Person, display_name_of, person_key_for
from storage.sessions import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Created:
    occurrence_id: int
    routine_id: str
    scheduled_date: date
    post_date: date
    due_date: date
    late: bool
    skipped: bool = False  # its kind had nothing to do this time (closed, not posted)


@dataclass
class TickReport:
    created: list[Created] = field(default_factory=list)
    enqueued: dict[str, int] = field(default_factory=dict)
    dispatch: DispatchReport = field(default_factory=DispatchReport)

    def lines(self) -> list[str]:
        """What happened, one line per created occurrence plus totals (the CLI output)."""
        out = [
            f"created {c.routine_id} {c.post_date.isoformat()} (due {c.due_date.isoformat()})"
            + (" late" if c.late else "")
            + (" skipped (nothing to do)" if c.skipped else "")
            for c in self.created
        ]
        sent = self.dispatch.sent
        out.append(
            f"occurrences created: {len(self.created)}; posted: {sent.get(POST, 0)}; "
            f"reminders: {sent.get(REMINDER, 0)}; re-reminders: {sent.get(REREMINDER, 0)}; "
            f"escalations: {sent.get(ESCALATION, 0)}; updated: {sent.get(UPDATE, 0)}; "
            f"retrying: {self.dispatch.retried}; "
            f"failed: {self.dispatch.failed}"
        )
        return out


@dataclass(frozen=True)
class OpenItem:
    occurrence_id: int
    routine: Routine
    due_date: date
    status: str


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
    ) -> None:
        self.factory = factory
        self.catalog = catalog
        self.providers = dict(providers or {})
        self.language = language
        self.dispatcher = Dispatcher(
            factory, notifier, catalog,
            owner=owner or default_owner(), lease_seconds=lease_seconds,
            batch_size=batch_size, concurrency=concurrency, language=language,
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
        now = aware_utc(now)
        report = TickReport()
        routines = _rotated(self.catalog.enabled)
        with transaction(self.factory) as session:
            seen = first_seen(session, [r.id for r in routines], now)
            latest = latest_scheduled(session)
        for routine in routines:
            for slot in due_slots(routine, seen[routine.id], latest.get(routine.id), now):
                with transaction(self.factory) as session:
                    occurrence = create_occurrence(session, routine, slot, now, self.providers)
                if occurrence is not None:
                    report.created.append(
                        Created(
                            occurrence.id,
                            routine.id,
                            slot.scheduled,
                            slot.post_date,
                            slot.due_date,
                            occurrence.created_late,
                            occurrence.status != OPEN,
                        )
                    )
        with transaction(self.factory) as session:
            report.enqueued = self._follow_ups(session, now)
        return report

    def _follow_ups(self, session: Session, now: datetime) -> dict[str, int]:
        occurrences = session.scalars(select(Occurrence).where(Occurrence.status == OPEN)).all()
        if not occurrences:
            return {}
        planned = (
            select(Notification.occurrence_id, Notification.kind, func.max(Notification.sequence))
            .where(Notification.occurrence_id.in_([o.id for o in occurrences]))
            .group_by(Notification.occurrence_id, Notification.kind)
        )
        highest = {(oid, kind): seq for oid, kind, seq in session.execute(planned).all()}
        counts: dict[str, int] = {}
        for occurrence in occurrences:
            routine = self.catalog.get(occurrence.routine_id)
            if routine is None or not routine.enabled:
                continue
            for kind, seq in follow_up_steps(routine, occurrence, now):
                if highest.get((occurrence.id, kind), -1) >= seq:
                    continue
                recipients = (
                    recipient_rows(session, routine.escalate.to, now)
                    if kind == ESCALATION and routine.escalate
                    else _reminder_recipients(session, routine, occurrence, now)
                )
                added = enqueue(session, occurrence.id, kind, recipients, seq, now, now)
                counts[kind] = counts.get(kind, 0) + added
        return counts

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
        """Record a confirmation; once the occurrence closes, its posted messages are
        queued for an in-place update (except `message_id`, which the chat replaces)."""
        now = aware_utc(now)
        with transaction(self.factory) as session:
            routine = self._routine_of(session, occurrence_id)
            outcome = ack.confirm(
                session, occurrence_id, actor, now, note=note,
                evidence=routine.evidence if routine else "none",
                timezone=routine.timezone if routine else DEFAULT_TIMEZONE,
            )  # fmt: skip
            if outcome.result == "completed":
                enqueue_updates(session, occurrence_id, now, skip_message=message_id)
            return outcome

    def not_applicable(
        self,
        occurrence_id: int,
        actor: ack.Actor,
        reason: str | None,
        now: datetime,
        *,
        message_id: str | None = None,
    ) -> ack.Outcome:
        now = aware_utc(now)
        with transaction(self.factory) as session:
            outcome = ack.not_applicable(session, occurrence_id, actor, reason, now)
            if outcome.result == "not_applicable":
                enqueue_updates(session, occurrence_id, now, skip_message=message_id)
            return outcome

    def add_note(
        self, occurrence_id: int, actor: ack.Actor, text: str | None, now: datetime
    ) -> ack.Outcome:
        now = aware_utc(now)
        with transaction(self.factory) as session:
            return ack.add_note(session, occurrence_id, actor, text, now)

    def outcome_line(self, outcome: ack.Outcome, lang: str, now: datetime) -> str:
        """ "✅ Bekräftad av Anna, 2027-01-05 10:12" for a recorded outcome."""
        with transaction(self.factory) as session:
            who = display_name_of(session, outcome.person_key) if outcome.person_key else None
            routine = self._routine_of(session, outcome.occurrence_id)
        timezone = routine.timezone if routine else DEFAULT_TIMEZONE
        kind = (
            "not_applicable"
            if outcome.result == "not_applicable" or outcome.kind == "not_applicable"
            else "confirm"
        )
        at = outcome.at or now
        return outcome_line(lang, kind, who, at, timezone, outcome.reason)

    def _routine_of(self, session: Session, occurrence_id: int) -> Routine | None:
        routine_id = session.scalar(
            select(Occurrence.routine_id).where(Occurrence.id == occurrence_id)
        )
        return self.catalog.get(routine_id) if routine_id else None


def follow_up_steps(
    routine: Routine, occurrence: Occurrence, now: datetime
) -> list[tuple[str, int]]:
    """The latest reminder, re-reminder and escalation step due at `now`, as (kind, seq).

    Only the latest step of each series: a bot that was down does not fire a burst of
    stale reminders. Reminders never fire on or before the day the occurrence was created.
    """
    tz = routine.timezone
    today = local_date(now, tz)
    created_day = local_date(occurrence.created_at, tz)
    due = occurrence.due_date

    def reached(day: date) -> bool:
        return day < today or (day == today and moment(day, routine.time, tz) <= now)

    steps: list[tuple[str, int]] = []
    before = [
        (seq, due - timedelta(days=days)) for seq, days in enumerate(routine.remind.before, start=1)
    ]
    # A "before" reminder that was never sent is stale once the due date has passed.
    ready = [seq for seq, day in before if day > created_day and reached(day) and today <= due]
    if ready:
        steps.append((REMINDER, max(ready)))
    every = routine.remind.every
    if every:
        j = max(0, (today - due).days // every)
        while j >= 1 and not reached(due + timedelta(days=j * every)):
            j -= 1
        if j >= 1 and due + timedelta(days=j * every) > created_day:
            steps.append((REREMINDER, j))
    escalate_on = due + timedelta(days=routine.escalate.after_days) if routine.escalate else None
    if escalate_on is not None and today > due and reached(escalate_on):
        steps.append((ESCALATION, 0))
    return steps


def _reminder_recipients(
    session: Session, routine: Routine, occurrence: Occurrence, now: datetime
) -> list[tuple[str, str, str]]:
    """Reminders go to named assignees who have not answered; otherwise to the channel."""
    if occurrence.anyone_in_channel:
        return recipient_rows(session, routine.post_to, now)
    answered = select(Confirmation.person_key).where(Confirmation.occurrence_id == occurrence.id)
    rows = session.execute(
        select(OccurrenceAssignee.platform, OccurrenceAssignee.person_key)
        .where(
            OccurrenceAssignee.occurrence_id == occurrence.id,
            OccurrenceAssignee.person_key.not_in(answered),
        )
        .order_by(OccurrenceAssignee.id)
    ).all()
    return [(platform, "person", key) for platform, key in rows]


def enqueue_updates(
    session: Session, occurrence_id: int, now: datetime, *, skip_message: str | None = None
) -> int:
    """Queue an in-place edit of every message posted for the occurrence (no more buttons)."""
    posted = session.execute(
        select(PostedMessage.id, PostedMessage.platform, PostedMessage.conversation_id).where(
            PostedMessage.occurrence_id == occurrence_id,
            PostedMessage.message_id != (skip_message or ""),
        )
    ).all()
    return sum(
        enqueue(
            session, occurrence_id, UPDATE, [(platform, "channel", conversation)], pid, now, now
        )
        for pid, platform, conversation in posted
    )


def _rotated(routines: Sequence[Routine]) -> list[Routine]:
    """The routines from a random starting point: replicas ticking together then create
    different occurrences in parallel instead of queueing on the same unique key in turn."""
    start = random.randrange(len(routines)) if routines else 0
    return [*routines[start:], *routines[:start]]
