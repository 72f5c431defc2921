"""Planning a tick: which occurrences fall due, and which follow-ups (reminders,
re-reminders, escalations, in-place updates) go into the outbox. No sending here.

Only the latest step of each reminder series is enqueued: a bot that was down does not
fire a burst of stale reminders.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from routines.catalog import Catalog, Routine
from routines.engine import problems
from routines.engine.dispatch import DispatchReport
from routines.engine.models import (
    ESCALATION,
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
from routines.engine.occurrences import (
    KindProvider,
    create_occurrence,
    due_slots,
    enqueue,
    first_seen,
    latest_scheduled,
    recipient_rows,
)
from routines.engine.training import enroll_newcomers
from routines.schedule.rules import local_date, moment
from storage.clock import aware_utc
from storage.sessions import transaction


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


def plan(
    factory: sessionmaker[Session],
    catalog: Catalog,
    providers: Mapping[str, KindProvider],
    now: datetime,
) -> TickReport:
    """Create due occurrences and enqueue due follow-ups (no sending)."""
    now = aware_utc(now)
    report = TickReport()
    routines = _rotated(catalog.enabled)
    with transaction(factory) as session:
        seen = first_seen(session, [r.id for r in routines], now)
        latest = latest_scheduled(session)
    for routine in routines:
        for slot in due_slots(routine, seen[routine.id], latest.get(routine.id), now):
            with transaction(factory) as session:
                occurrence = create_occurrence(session, routine, slot, now, providers)
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
    with transaction(factory) as session:
        report.enqueued = follow_ups(session, catalog, now)
        retried = problems.retry_due(session, now)
        if retried:
            report.enqueued["retry"] = retried
    return report


def follow_ups(session: Session, catalog: Catalog, now: datetime) -> dict[str, int]:
    """Enqueue the reminders, re-reminders and escalations due at `now`; counts by kind."""
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
        routine = catalog.get(occurrence.routine_id)
        if routine is None or not routine.enabled:
            continue
        if routine.kind == "training" and enroll_newcomers(session, routine, occurrence, now):
            counts["onboarded"] = counts.get("onboarded", 0) + 1
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
