"""The outbox rows a dispatcher works on: claiming them with a lease, turning each into a
`Job` (its notice rendered, or the row cancelled when it is no longer needed), and the
back-off after a failed send. Sending and settling live in `routines.engine.dispatch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from routines import ledger
from routines.catalog import Catalog, Routine
from routines.engine import problems
from routines.engine.models import (
    CANCELLED,
    ESCALATION,
    OPEN,
    PENDING,
    POST,
    PROBLEM,
    REMINDER,
    REREMINDER,
    UPDATE,
    Confirmation,
    Notification,
    Occurrence,
    OccurrenceAssignee,
    PostedMessage,
)
from routines.engine.notices import render, render_closed
from routines.ports import Delivered, Notice, Recipient
from routines.schedule.rules import local_date
from storage.people import Person, display_name_of

LEDGER_EVENT = {
    POST: ledger.REMINDER_POSTED,
    REMINDER: ledger.REMINDER_POSTED,
    REREMINDER: ledger.REMINDER_REPOSTED,
    ESCALATION: ledger.ESCALATION_POSTED,
}
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


@dataclass(frozen=True)
class Job:
    """One claimed outbox row, ready to send."""

    notification_id: int
    occurrence_id: int
    kind: str
    recipient: Recipient
    notice: Notice
    target: Delivered | None = None  # for UPDATE: the posted message to edit in place


def backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    )


def claim_ids(
    session: Session, now: datetime, limit: int, *, owner: str, lease: timedelta
) -> list[int]:
    """Stamp up to `limit` ready rows with `owner` and a lease; their ids (FOR UPDATE SKIP
    LOCKED on PostgreSQL, a conditional UPDATE on SQLite, whose writers are serialised)."""
    free = and_(
        Notification.status == PENDING,
        Notification.not_before <= now,
        or_(Notification.claimed_until.is_(None), Notification.claimed_until < now),
    )
    stamp = {"claimed_by": owner, "claimed_until": now + lease}
    if session.get_bind().dialect.name == "postgresql":
        ids = list(
            session.scalars(
                select(Notification.id)
                .where(free)
                .order_by(Notification.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            session.execute(
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(attempts=Notification.attempts + 1, **stamp)
            )
        return ids
    candidates = select(Notification.id).where(free).order_by(Notification.id).limit(limit)
    claimed = session.scalars(
        update(Notification)
        .where(Notification.id.in_(candidates.scalar_subquery()), free)
        .values(attempts=Notification.attempts + 1, **stamp)
        .returning(Notification.id)
    )
    return sorted(claimed)


def prepare(
    session: Session,
    row: Notification,
    occurrence: Occurrence | None,
    catalog: Catalog,
    language: str,
    now: datetime,
) -> Job | None:
    """The job a claimed row stands for, with its notice rendered; None (and the row
    cancelled) when it is no longer worth sending."""
    routine = catalog.get(occurrence.routine_id) if occurrence else None
    if occurrence is None or routine is None:
        return _cancel(row, "routine or occurrence no longer exists")
    if row.kind == UPDATE:
        return _prepare_update(session, row, occurrence, routine, language)
    if row.kind == PROBLEM:
        return _prepare_problem(session, row, occurrence, routine, language)
    if row.kind != POST and occurrence.status != OPEN:
        return _cancel(row, f"occurrence is {occurrence.status}")
    address = row.recipient_address
    if row.recipient_kind == "person":
        if row.kind in (REMINDER, REREMINDER) and _has_confirmed(session, row):
            return _cancel(row, "already confirmed")
        person = session.get(Person, row.recipient_address)
        if person is None or person.erased_at is not None:
            return _cancel(row, "person unknown or erased")
        address = _address(person, row.recipient_platform)
    recipient = Recipient(row.recipient_platform, row.recipient_kind, address)  # type: ignore[arg-type]
    missing = _missing_names(session, occurrence) if row.kind == ESCALATION else ()
    today = local_date(now, routine.timezone)
    notice = render(row.kind, routine, occurrence, language, today, missing)
    return Job(row.id, occurrence.id, row.kind, recipient, notice)


def _prepare_update(
    session: Session,
    row: Notification,
    occurrence: Occurrence,
    routine: Routine,
    language: str,
) -> Job | None:
    """Edit a posted message in place once the occurrence is closed (who, when)."""
    posted = session.get(PostedMessage, row.sequence)
    if posted is None:
        return _cancel(row, "posted message not found")
    who = display_name_of(session, occurrence.closed_by) if occurrence.closed_by else None
    notice = render_closed(routine, occurrence, language, who)
    recipient = Recipient(posted.platform, "channel", posted.conversation_id)
    target = Delivered(recipient, posted.message_id, posted.conversation_id)
    return Job(row.id, occurrence.id, UPDATE, recipient, notice, target)


def _prepare_problem(
    session: Session,
    row: Notification,
    occurrence: Occurrence,
    routine: Routine,
    language: str,
) -> Job | None:
    """The fix-it notice to one of the routine's people, while the problem stands."""
    standing = problems.open_problems(session, [occurrence.id])
    if not standing:
        return _cancel(row, "no delivery problem any more")
    found = standing[0]
    address = row.recipient_address
    if row.recipient_kind == "person":
        person = session.get(Person, row.recipient_address)
        if person is None or person.erased_at is not None:
            return _cancel(row, "person unknown or erased")
        address = _address(person, row.recipient_platform)
    recipient = Recipient(row.recipient_platform, row.recipient_kind, address)  # type: ignore[arg-type]
    notice = problems.render(routine, occurrence, found, language)
    return Job(row.id, occurrence.id, PROBLEM, recipient, notice)


def _cancel(row: Notification, why: str) -> Job | None:
    """A row no longer worth sending: closed for good, and no job for it."""
    row.status = CANCELLED
    row.last_error = why
    row.claimed_until = None
    return None


def _address(person: Person, platform: str) -> str:
    if person.platform == platform and person.platform_user_id:
        return person.platform_user_id
    return person.email or person.platform_user_id or person.person_key


def _has_confirmed(session: Session, row: Notification) -> bool:
    return (
        session.scalar(
            select(Confirmation.id).where(
                Confirmation.occurrence_id == row.occurrence_id,
                Confirmation.person_key == row.recipient_address,
            )
        )
        is not None
    )


def _missing_names(session: Session, occurrence: Occurrence) -> tuple[str, ...]:
    confirmed = set(
        session.scalars(
            select(Confirmation.person_key).where(Confirmation.occurrence_id == occurrence.id)
        )
    )
    keys = session.scalars(
        select(OccurrenceAssignee.person_key)
        .where(OccurrenceAssignee.occurrence_id == occurrence.id)
        .order_by(OccurrenceAssignee.id)
    )
    return tuple(display_name_of(session, k) or "?" for k in keys if k not in confirmed)
