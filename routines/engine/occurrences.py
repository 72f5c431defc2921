"""Creating occurrences exactly once, and the outbox rows that follow from them.

The rule that makes several replicas safe: every row that must exist once is inserted
with INSERT ... ON CONFLICT DO NOTHING, and only the transaction whose insert returned a
row does the follow-up work (assignees, posts, ledger entry). The loser sees nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from routines import ledger
from routines.catalog import Routine, Target
from routines.engine.models import (
    MISSED,
    OPEN,
    POST,
    Notification,
    Occurrence,
    OccurrenceAssignee,
    RoutineFirstSeen,
)
from routines.schedule.rules import local_date, moment, scheduled_dates, shift
from storage.clock import as_utc
from storage.inserts import insert_once
from storage.people import Person, person_key_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KindContent:
    """What a routine kind adds to an occurrence when it is created.

    `text` is extra Markdown per language (e.g. the articles due for review); `people`
    are extra recipients of the post (e.g. article owners); `skip` closes the occurrence
    as not applicable without posting (nothing to do this time).
    """

    text: Mapping[str, str] = field(default_factory=dict)
    people: tuple[Target, ...] = ()
    skip: bool = False


# Registered by the composition root per catalogue `kind` (kb_review, ledger_seal, ...).
KindProvider = Callable[[Session, Routine, date, datetime], KindContent]


@dataclass(frozen=True)
class Slot:
    """One date a routine produces: the rule's date, the posting day and the deadline."""

    scheduled: date
    post_date: date
    due_date: date
    post_at: datetime


def slot_for(routine: Routine, scheduled: date) -> Slot:
    post_date = shift(scheduled, routine.business_days)
    due_date = shift(post_date + timedelta(days=routine.due_days), routine.business_days)
    return Slot(scheduled, post_date, due_date, moment(post_date, routine.time, routine.timezone))


# How far business-day shifting can move a slot forward (a long holiday run, with room).
SHIFT_MARGIN = timedelta(days=14)


def slots(routine: Routine, start: date, end: date) -> Iterator[Slot]:
    """Slots whose rule date lies in [start, end] (a week of margin for shifting is not
    needed: the key is the rule date, shifting only moves posting and deadline)."""
    for scheduled in scheduled_dates(routine.schedule, start, end):
        yield slot_for(routine, scheduled)


def first_seen(session: Session, routine_ids: Iterable[str], now: datetime) -> dict[str, datetime]:
    """When each routine was first loaded here; records `now` for ones never seen before."""
    ids = list(routine_ids)
    query = select(RoutineFirstSeen.routine_id, RoutineFirstSeen.first_seen_at).where(
        RoutineFirstSeen.routine_id.in_(ids)
    )
    known = dict(session.execute(query).all())
    # Sorted: replicas starting together insert in one order, so none waits on another's
    # row while holding one that other waits for (PostgreSQL's deadlock).
    missing = sorted(routine_id for routine_id in ids if routine_id not in known)
    for routine_id in missing:
        insert_once(session, RoutineFirstSeen, {"routine_id": routine_id, "first_seen_at": now})
    if missing:  # another replica may have won some inserts: read back what is stored
        known = dict(session.execute(query).all())
    return {k: as_utc(v) for k, v in known.items()}


def due_slots(
    routine: Routine, seen_at: datetime, latest: date | None, now: datetime
) -> list[Slot]:
    """Slots whose posting moment has come, posted no earlier than the day of the routine's
    first sighting (or scheduled no earlier than its `start`), and after the latest
    occurrence already in the database (that one exists: retrying its insert every tick
    would cost a transaction per routine per tick).

    A slot is judged by its posting day, as `routines upcoming` lists it: a quarterly
    review scheduled on a holiday and shifted to the first sighting's working day is due
    that day, and so is a slot whose posting hour came earlier on the day of first sighting.
    """
    today = local_date(now, routine.timezone)
    return [s for s in slots_until(routine, seen_at, latest, today) if s.post_at <= now]


def slots_until(
    routine: Routine, seen_at: datetime, latest: date | None, today: date
) -> list[Slot]:
    """`due_slots` before the posting moment is looked at: every such slot up to `today`
    (the same all day long, so a caller may keep it for the day)."""
    if routine.start is not None:
        start, first_post_day = routine.start, None
    else:
        first_post_day = local_date(seen_at, routine.timezone)
        start = first_post_day - SHIFT_MARGIN  # business-day shifting only moves forward
    if latest is not None:
        start = max(start, latest)
    return [
        s
        for s in slots(routine, start, today)
        if (first_post_day is None or s.post_date >= first_post_day)
        and (latest is None or s.scheduled > latest)
    ]


def latest_scheduled(session: Session) -> dict[str, date]:
    rows = session.execute(
        select(Occurrence.routine_id, func.max(Occurrence.scheduled_date)).group_by(
            Occurrence.routine_id
        )
    ).all()
    return {routine_id: day for routine_id, day in rows}


def resolve_person(session: Session, target: Target, now: datetime) -> str:
    """A catalogue person (platform id or e-mail) -> person_key, creating the people row."""
    address = target.address.strip()
    if "@" in address:
        person = session.scalar(
            select(Person)
            .where(func.lower(Person.email) == address.lower(), Person.erased_at.is_(None))
            .order_by(Person.created_at)
            .limit(1)
        )
        if person is not None:
            return person.person_key
        return person_key_for(session, "email", address.lower(), now, email=address)
    return person_key_for(session, target.platform, address, now)


def enqueue(
    session: Session,
    occurrence_id: int,
    kind: str,
    recipients: Iterable[tuple[str, str, str]],
    sequence: int,
    not_before: datetime,
    now: datetime,
) -> int:
    """Add outbox rows (platform, channel|person, address); returns how many were new."""
    added = 0
    for platform, recipient_kind, address in recipients:
        new_id = insert_once(
            session,
            Notification,
            {
                "occurrence_id": occurrence_id,
                "kind": kind,
                "recipient_platform": platform,
                "recipient_kind": recipient_kind,
                "recipient_address": address,
                "sequence": sequence,
                "status": "pending",
                "not_before": not_before,
                "attempts": 0,
                "created_at": now,
            },
        )
        added += new_id is not None
    return added


def recipient_rows(
    session: Session, targets: Iterable[Target], now: datetime
) -> list[tuple[str, str, str]]:
    """Catalogue targets -> outbox recipient tuples (people by person_key, never by id)."""
    rows: list[tuple[str, str, str]] = []
    for target in targets:
        if target.kind == "channel":
            rows.append((target.platform, "channel", target.address))
        else:
            rows.append((target.platform, "person", resolve_person(session, target, now)))
    return list(dict.fromkeys(rows))


def create_occurrence(
    session: Session,
    routine: Routine,
    slot: Slot,
    now: datetime,
    providers: Mapping[str, KindProvider],
) -> Occurrence | None:
    """Create the occurrence for `slot` if nobody has; only then enqueue its post."""
    content = KindContent()
    provider = providers.get(routine.kind)
    if routine.kind not in ("plain", "training") and provider is None:
        log.warning("no content provider for routine kind", extra={"kind": routine.kind})
    elif provider is not None:
        content = provider(session, routine, slot.scheduled, now)
    late = slot.post_date < local_date(now, routine.timezone)
    occurrence_id = insert_once(
        session,
        Occurrence,
        {
            "routine_id": routine.id,
            "scheduled_date": slot.scheduled,
            "post_date": slot.post_date,
            "due_date": slot.due_date,
            "status": "not_applicable" if content.skip else OPEN,
            # a campaign is always per person: a channel audience is enrolled by name
            # from the platform's roster (enroll_members), each passing their own quiz
            "confirm_mode": "all" if routine.kind == "training" else routine.assignees.confirm,
            "anyone_in_channel": routine.assignees.anyone_in_channel and routine.kind != "training",
            "created_at": now,
            "created_late": late,
            "closed_at": now if content.skip else None,
            "reason": "nothing to do" if content.skip else None,
            "details": {"text": dict(content.text)} if content.text else None,
        },
    )
    if occurrence_id is None:
        return None
    occurrence = session.get(Occurrence, occurrence_id)
    assert occurrence is not None
    for person in routine.assignees.people:
        insert_once(
            session,
            OccurrenceAssignee,
            {
                "occurrence_id": occurrence_id,
                "person_key": resolve_person(session, person, now),
                "platform": person.platform,
            },
        )
    ledger.append_event(
        session,
        ledger.OCCURRENCE_CREATED,
        {
            "occurrence_id": occurrence_id,
            "routine_id": routine.id,
            "scheduled_date": slot.scheduled,
            "due_date": slot.due_date,
            "late": late,
            "skipped": content.skip,
        },
        now,
    )
    if not content.skip:
        targets = routine.post_to + content.people
        if routine.kind == "training":  # a campaign: every person gets the quiz in private
            targets += routine.assignees.people
        enqueue(session, occurrence_id, POST, recipient_rows(session, targets, now), 0, now, now)
    close_superseded(session, routine.id, slot.scheduled, local_date(now, routine.timezone), now)
    return occurrence


def close_superseded(
    session: Session, routine_id: str, newer: date, today: date, now: datetime
) -> int:
    """Open occurrences past due are `missed` once a newer one of the same routine exists.

    They can still be confirmed afterwards (then they count as late)."""
    result = session.execute(
        update(Occurrence)
        .where(
            Occurrence.routine_id == routine_id,
            Occurrence.status == OPEN,
            Occurrence.scheduled_date < newer,
            Occurrence.due_date < today,
        )
        .values(status=MISSED, closed_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
