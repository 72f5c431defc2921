"""Planning a tick: which occurrences fall due, and which follow-ups (reminders,
re-reminders, escalations, in-place updates) go into the outbox. No sending here.

Only the latest step of each reminder series is enqueued: a bot that was down does not
fire a burst of stale reminders.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

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
    Slot,
    create_occurrence,
    enqueue,
    first_seen,
    latest_scheduled,
    recipient_rows,
    slots_until,
)
from routines.engine.training import enroll_newcomers
from routines.schedule.rules import local_date, moment
from storage.clock import aware_utc
from storage.sessions import transaction


class _Dated(Protocol):
    """What `follow_up_steps` reads of an occurrence (a row or a few of its columns)."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def due_date(self) -> date: ...


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


class PlanMemo:
    """What one process's ticks need not work out again: when each routine was first seen
    (stored once, never changed), each routine's latest occurrence (read again once a
    minute; in between only this process's creations move it, and a slot another replica
    created meanwhile is found by its insert, once) and each routine's due slots for a
    given first sighting, latest occurrence and day. A tick every second over a thousand
    routines otherwise spends most of its time reading the same rows and walking the same
    calendars."""

    LATEST_READ_EVERY_SECONDS = 60.0

    def __init__(self) -> None:
        self.first_seen: dict[str, datetime] = {}
        self._latest: dict[str, date] = {}
        self._latest_read_at: float | None = None
        self._due: dict[str, tuple[Routine, tuple[datetime, date | None, date], list[Slot]]] = {}

    def seen(self, session: Session, routine_ids: list[str], now: datetime) -> dict[str, datetime]:
        missing = [rid for rid in routine_ids if rid not in self.first_seen]
        if missing:
            self.first_seen.update(first_seen(session, missing, now))
        return {rid: self.first_seen[rid] for rid in routine_ids}

    def latest(self, session: Session) -> dict[str, date]:
        """Each routine's latest occurrence (`latest_scheduled`), read at most once a minute."""
        read_at = self._latest_read_at
        if read_at is None or time.monotonic() - read_at >= self.LATEST_READ_EVERY_SECONDS:
            self._latest = latest_scheduled(session)
            self._latest_read_at = time.monotonic()
        return self._latest

    def exists(self, routine_id: str, scheduled: date) -> None:
        """The occurrence of `routine_id` for `scheduled` exists now (created here, or
        found created by another replica)."""
        if scheduled > self._latest.get(routine_id, scheduled - timedelta(days=1)):
            self._latest[routine_id] = scheduled

    def due_slots(
        self, routine: Routine, seen_at: datetime, latest: date | None, now: datetime
    ) -> list[Slot]:
        """`due_slots`, with the day's candidates (`slots_until`) worked out once per
        routine, sighting, latest occurrence and day."""
        key = (seen_at, latest, local_date(now, routine.timezone))
        cached = self._due.get(routine.id)
        if cached is None or cached[0] is not routine or cached[1] != key:
            cached = (routine, key, slots_until(routine, seen_at, latest, key[2]))
            self._due[routine.id] = cached
        return [slot for slot in cached[2] if slot.post_at <= now]


def plan(
    factory: sessionmaker[Session],
    catalog: Catalog,
    providers: Mapping[str, KindProvider],
    now: datetime,
    memo: PlanMemo | None = None,
) -> TickReport:
    """Create due occurrences and enqueue due follow-ups (no sending). `memo`: kept
    between one process's ticks (see `PlanMemo`)."""
    now = aware_utc(now)
    memo = memo or PlanMemo()
    report = TickReport()
    routines = _rotated(catalog.enabled)
    with transaction(factory) as session:
        seen = memo.seen(session, [r.id for r in routines], now)
        latest = dict(memo.latest(session))
    for routine in routines:
        for slot in memo.due_slots(routine, seen[routine.id], latest.get(routine.id), now):
            with transaction(factory) as session:
                occurrence = create_occurrence(session, routine, slot, now, providers)
            memo.exists(routine.id, slot.scheduled)  # None: another replica created it
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
    """Enqueue the reminders, re-reminders and escalations due at `now`; counts by kind.

    The open occurrences are read as a few columns (a tick reads them all, often with
    nothing to do); the full row only for one that has something due or a campaign."""
    open_rows = session.execute(
        select(Occurrence.id, Occurrence.routine_id, Occurrence.created_at, Occurrence.due_date)
        .where(Occurrence.status == OPEN)
    ).all()  # fmt: skip
    if not open_rows:
        return {}
    open_ids = select(Occurrence.id).where(Occurrence.status == OPEN)  # not a list of 1,000
    planned = (
        select(Notification.occurrence_id, Notification.kind, func.max(Notification.sequence))
        .where(Notification.occurrence_id.in_(open_ids))
        .group_by(Notification.occurrence_id, Notification.kind)
    )
    highest = {(oid, kind): seq for oid, kind, seq in session.execute(planned).all()}
    counts: dict[str, int] = {}
    for row in open_rows:
        routine = catalog.get(row.routine_id)
        if routine is None or not routine.enabled:
            continue
        steps = [
            (kind, seq)
            for kind, seq in follow_up_steps(routine, row, now)
            if highest.get((row.id, kind), -1) < seq
        ]
        if routine.kind != "training" and not steps:
            continue
        occurrence = session.get(Occurrence, row.id)
        if occurrence is None:
            continue
        if routine.kind == "training" and enroll_newcomers(session, routine, occurrence, now):
            counts["onboarded"] = counts.get("onboarded", 0) + 1
        for kind, seq in steps:
            recipients = (
                recipient_rows(session, routine.escalate.to, now)
                if kind == ESCALATION and routine.escalate
                else _reminder_recipients(session, routine, occurrence, now)
            )
            added = enqueue(session, occurrence.id, kind, recipients, seq, now, now)
            counts[kind] = counts.get(kind, 0) + added
    return counts


def follow_up_steps(routine: Routine, occurrence: _Dated, now: datetime) -> list[tuple[str, int]]:
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


# (posted message id, platform, conversation id, message id) of an occurrence's posts
Post = tuple[int, str, str, str]


def posts_of(session: Session, occurrence_ids: Sequence[int]) -> dict[int, list[Post]]:
    """Every message posted for these occurrences, by occurrence (one query for a group)."""
    found: dict[int, list[Post]] = {oid: [] for oid in occurrence_ids}
    rows = session.execute(
        select(PostedMessage.occurrence_id, PostedMessage.id, PostedMessage.platform,
               PostedMessage.conversation_id, PostedMessage.message_id)
        .where(PostedMessage.occurrence_id.in_(occurrence_ids))
        .order_by(PostedMessage.id)
    )  # fmt: skip
    for oid, pid, platform, conversation, message in rows:
        found.setdefault(int(oid), []).append((int(pid), platform, conversation, message))
    return found


def enqueue_updates(
    session: Session,
    occurrence_id: int,
    now: datetime,
    *,
    skip_message: str | None = None,
    posts: Sequence[Post] | None = None,
) -> int:
    """Queue an in-place edit of every message posted for the occurrence (no more buttons).
    `posts`: the occurrence's, when the caller read them already (`posts_of`)."""
    if posts is None:
        posts = posts_of(session, [occurrence_id]).get(occurrence_id, [])
    return sum(
        enqueue(
            session, occurrence_id, UPDATE, [(platform, "channel", conversation)], pid, now, now
        )
        for pid, platform, conversation, message in posts
        if message != (skip_message or "")
    )


def _rotated(routines: Sequence[Routine]) -> list[Routine]:
    """The routines from a random starting point: replicas ticking together then create
    different occurrences in parallel instead of queueing on the same unique key in turn."""
    start = random.randrange(len(routines)) if routines else 0
    return [*routines[start:], *routines[:start]]
