"""What is overdue right now, and who it is waiting for (the chat's `overdue` / `försenade`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from routines.engine import models as m
from routines.engine.problems import DeliveryProblem, open_problems
from storage.people import Person


@dataclass(frozen=True)
class Overdue:
    occurrence_id: int
    routine_id: str
    due_date: date
    waiting_for: tuple[str, ...]
    # posts that could not be delivered (the bot is not in the channel, ...): listed even
    # before the due date, since nobody has seen the routine
    problems: tuple[DeliveryProblem, ...] = ()


def assigned_routines(session: Session, person_key: str) -> set[str]:
    """Routine ids with any occurrence assigned to this person."""
    stmt = (
        select(m.Occurrence.routine_id)
        .join(m.OccurrenceAssignee, m.OccurrenceAssignee.occurrence_id == m.Occurrence.id)
        .where(m.OccurrenceAssignee.person_key == person_key)
        .distinct()
    )
    return set(session.scalars(stmt))


def overdue_occurrences(
    session: Session, today: date, routines: set[str] | None = None
) -> list[Overdue]:
    """Open occurrences past their due date or with a delivery problem (of `routines`, or
    all), oldest first."""
    troubled: dict[int, list[DeliveryProblem]] = {}
    for problem in open_problems(session):
        troubled.setdefault(problem.occurrence_id, []).append(problem)
    stmt = select(m.Occurrence.id, m.Occurrence.routine_id, m.Occurrence.due_date).where(
        m.Occurrence.status == m.OPEN,
        or_(m.Occurrence.due_date < today, m.Occurrence.id.in_(sorted(troubled))),
    )
    if routines is not None:
        stmt = stmt.where(m.Occurrence.routine_id.in_(sorted(routines)))
    rows = session.execute(stmt.order_by(m.Occurrence.due_date, m.Occurrence.id)).all()
    waiting = _waiting_for(session, [r.id for r in rows])
    return [
        Overdue(
            r.id,
            r.routine_id,
            r.due_date,
            tuple(waiting.get(r.id, ())),
            tuple(troubled.get(r.id, ())),
        )
        for r in rows
    ]


def _waiting_for(session: Session, occurrence_ids: list[int]) -> dict[int, list[str]]:
    """Assignees who have not confirmed, by display name (erased people left out)."""
    if not occurrence_ids:
        return {}
    a, c = m.OccurrenceAssignee, m.Confirmation
    stmt = (
        select(a.occurrence_id, Person.display_name, Person.erased_at, a.person_key)
        .outerjoin(c, and_(c.occurrence_id == a.occurrence_id, c.person_key == a.person_key))
        .outerjoin(Person, Person.person_key == a.person_key)
        .where(a.occurrence_id.in_(occurrence_ids), c.id.is_(None))
        .order_by(a.occurrence_id, Person.display_name)
    )
    waiting: dict[int, list[str]] = {}
    for occurrence_id, name, erased_at, key in session.execute(stmt):
        if erased_at is None:
            waiting.setdefault(occurrence_id, []).append(name or key)
    return waiting
