"""Quiz campaigns (routine kind `training`): each person's attempts, their score and the
evidence that they passed.

What is kept per person is what the issue calls "evidence with little data": per attempt
the campaign (occurrence), the questions drawn (ids, so a retry gets new ones), how far
the person got, how many were right, when, and pass or fail; never which option was
picked. Per question only an aggregate (asked, answered right) is kept, with no person.

Exactly once: an answer advances the attempt with a compare-and-set on its `position`
(`UPDATE ... WHERE position = :seen`), so a double click, or the same click delivered to
two replicas, counts once; the click that finishes the attempt alone appends the
`training.result` ledger entry and, on a pass, the person's confirmation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from routines import ledger
from routines.catalog.routine import Routine, Target
from routines.catalog.training import Training
from routines.engine import acknowledgements as ack
from routines.engine.models import OPEN, POST, Occurrence, OccurrenceAssignee
from routines.engine.occurrences import enqueue, resolve_person
from storage.base import Base
from storage.clock import as_utc
from storage.inserts import insert_once
from storage.people import Person


class TrainingAttempt(Base):
    """One person's try at one campaign's quiz."""

    __tablename__ = "training_attempts"
    __table_args__ = (UniqueConstraint("occurrence_id", "person_key", "attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"))
    routine_id: Mapped[str] = mapped_column(String(100), index=True)
    person_key: Mapped[str] = mapped_column(String(32), index=True)
    attempt: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per person and occurrence
    lang: Mapped[str] = mapped_column(String(2))
    questions: Mapped[str] = mapped_column(Text)  # question ids, comma-separated, in order
    position: Mapped[int] = mapped_column(Integer, default=0)  # questions answered so far
    right: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q for q in self.questions.split(",") if q)


class QuestionTally(Base):
    """How often a question was asked in campaigns and answered right (no person)."""

    __tablename__ = "training_question_tallies"

    question_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    lang: Mapped[str] = mapped_column(String(2), primary_key=True)
    asked: Mapped[int] = mapped_column(Integer, default=0)
    right: Mapped[int] = mapped_column(Integer, default=0)


StartResult = Literal[
    "started",  # a new attempt
    "resumed",  # an unfinished attempt goes on where it stopped
    "passed",  # this person has already passed this campaign
    "cooldown",  # failed; a retry is allowed from `retry_at`
    "closed",  # the campaign is no longer open
    "no_questions",  # nothing in the bank matches the campaign's tags
    "not_assignee",
    "not_found",
]
AnswerResult = Literal["next", "finished", "already", "not_found"]

# (language, question ids asked before in this campaign, the campaign's settings) -> the
# ids to ask now
Draw = Callable[[str, Sequence[str], Training], Sequence[str]]
# (question id, language) -> was the picked option right? (the bank answers; a button's
# value names only the option, never the question, so a forged click cannot pick one)
Judge = Callable[[str, str], bool]


@dataclass(frozen=True)
class Attempt:
    """What the chat needs of an attempt (a value, detached from the session)."""

    id: int
    occurrence_id: int
    routine_id: str
    attempt: int
    lang: str
    questions: tuple[str, ...]
    position: int
    right: int
    passed: bool | None

    @property
    def current(self) -> str | None:
        return self.questions[self.position] if self.position < len(self.questions) else None


@dataclass(frozen=True)
class Started:
    result: StartResult
    attempt: Attempt | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class Answered:
    result: AnswerResult
    attempt: Attempt | None = None
    confirmation: ack.Outcome | None = None  # the confirmation a pass recorded


def _value(row: TrainingAttempt) -> Attempt:
    return Attempt(row.id, row.occurrence_id, row.routine_id, row.attempt, row.lang,
                   row.question_ids, row.position, row.right, row.passed)  # fmt: skip


def _attempts(session: Session, occurrence_id: int, key: str) -> list[TrainingAttempt]:
    return list(
        session.scalars(
            select(TrainingAttempt)
            .where(
                TrainingAttempt.occurrence_id == occurrence_id,
                TrainingAttempt.person_key == key,
            )
            .order_by(TrainingAttempt.attempt)
        )
    )


def start(
    session: Session,
    occurrence_id: int,
    routine: Routine,
    actor: ack.Actor,
    lang: str,
    draw: Draw,
    now: datetime,
) -> Started:
    """Start (or resume) this person's quiz for a campaign occurrence."""
    now = as_utc(now)
    gate = ack.gate(session, occurrence_id, actor, now)
    if isinstance(gate, ack.Outcome):
        return Started("not_found" if gate.result == "not_found" else "not_assignee")
    occurrence, key = gate
    earlier = _attempts(session, occurrence.id, key)
    if any(a.passed for a in earlier) or ack.has_answered(session, occurrence.id, key):
        return Started("passed", _value(earlier[-1]) if earlier else None)
    if occurrence.status != OPEN:
        return Started("closed")
    last = earlier[-1] if earlier else None
    if last is not None and last.finished_at is None:
        return Started("resumed", _value(last))
    settings = routine.training or Training()
    if last is not None and last.finished_at is not None:
        retry_at = as_utc(last.finished_at) + timedelta(hours=settings.cooldown_hours)
        if now < retry_at:
            return Started("cooldown", _value(last), retry_at)
    asked = [q for a in earlier for q in a.question_ids]
    questions = list(draw(lang, asked, settings))
    if not questions:
        return Started("no_questions")
    number = (last.attempt if last else 0) + 1
    new_id = insert_once(
        session,
        TrainingAttempt,
        {"occurrence_id": occurrence.id, "routine_id": occurrence.routine_id,
         "person_key": key, "attempt": number, "lang": lang,
         "questions": ",".join(questions), "position": 0, "right": 0, "started_at": now},
    )  # fmt: skip
    if new_id is None:  # a double click started it a moment ago: go on with that one
        return Started("resumed", _value(_attempts(session, occurrence.id, key)[-1]))
    row = session.get(TrainingAttempt, new_id)
    assert row is not None
    return Started("started", _value(row))


def answer(
    session: Session,
    attempt_id: int,
    position: int,
    judge: Judge,
    routine: Routine,
    actor: ack.Actor,
    now: datetime,
) -> Answered:
    """Record the answer to question `position` of an attempt, once."""
    now = as_utc(now)
    row = session.get(TrainingAttempt, attempt_id)
    if row is None:
        return Answered("not_found")
    gate = ack.gate(session, row.occurrence_id, actor, now)
    if isinstance(gate, ack.Outcome) or gate[1] != row.person_key:
        return Answered("not_found")
    total = len(row.question_ids)
    if not 0 <= position < total or row.position != position or row.finished_at is not None:
        return Answered("already", _value(row))
    right = judge(row.question_ids[position], row.lang)
    moved = session.execute(
        update(TrainingAttempt)
        .where(
            TrainingAttempt.id == attempt_id,
            TrainingAttempt.position == position,
            TrainingAttempt.finished_at.is_(None),
        )
        .values(position=position + 1, right=TrainingAttempt.right + (1 if right else 0))
        .returning(TrainingAttempt.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    session.refresh(row)
    if moved is None:
        return Answered("already", _value(row))
    _tally(session, row.question_ids[position], row.lang, right)
    if row.position < total:
        return Answered("next", _value(row))
    settings = routine.training or Training()
    row.passed = settings.passed(row.right, total)
    row.finished_at = now
    ledger.append_event(
        session,
        ledger.TRAINING_RESULT,
        {"occurrence_id": row.occurrence_id, "routine_id": row.routine_id,
         "person_key": row.person_key, "attempt": row.attempt, "right": row.right,
         "total": total, "pass_mark": settings.pass_mark, "passed": row.passed},
        now,
    )  # fmt: skip
    outcome = None
    if row.passed:
        note = f"quiz {row.right}/{total}"
        outcome = ack.confirm(session, row.occurrence_id, actor, now, note=note,
                              timezone=routine.timezone)  # fmt: skip
    session.flush()
    return Answered("finished", _value(row), outcome)


def _tally(session: Session, question_id: str, lang: str, right: bool) -> None:
    insert_once(session, QuestionTally,
                {"question_id": question_id, "lang": lang, "asked": 0, "right": 0})  # fmt: skip
    session.execute(
        update(QuestionTally)
        .where(QuestionTally.question_id == question_id, QuestionTally.lang == lang)
        .values(asked=QuestionTally.asked + 1, right=QuestionTally.right + (1 if right else 0))
        .execution_options(synchronize_session=False)
    )


def attempts_of(session: Session, person_key: str) -> list[dict[str, object]]:
    """A person's attempts for a register extract: campaign, when, score, pass."""
    rows = session.scalars(
        select(TrainingAttempt)
        .where(TrainingAttempt.person_key == person_key)
        .order_by(TrainingAttempt.id)
    )
    return [
        {
            "occurrence_id": row.occurrence_id,
            "routine_id": row.routine_id,
            "attempt": row.attempt,
            "lang": row.lang,
            "questions": list(row.question_ids),
            "answered": row.position,
            "right": row.right,
            "started_at": as_utc(row.started_at).isoformat(),
            "finished_at": as_utc(row.finished_at).isoformat() if row.finished_at else None,
            "passed": row.passed,
        }
        for row in rows
    ]


def forget_attempts(session: Session, person_key: str) -> int:
    """Delete a person's attempts (erasure); the `training.result` ledger entries stay,
    keyed by the opaque person key like every other piece of evidence."""
    return int(
        session.execute(
            delete(TrainingAttempt).where(TrainingAttempt.person_key == person_key)
        ).rowcount  # type: ignore[attr-defined]
        or 0
    )


def enroll_newcomers(
    session: Session, routine: Routine, occurrence: Occurrence, now: datetime
) -> int:
    """People added to a running campaign's audience (the catalogue's `assignees.people`,
    read at start) join its open occurrence and get its post at the next tick. Cheap when
    nothing changed: the audience is resolved only when it outnumbers the assignees."""
    assigned = _assigned(session, occurrence.id)
    if len(assigned) >= len(set(routine.assignees.people)):
        return 0
    return enroll(session, occurrence, routine.assignees.people, now, assigned)


def _assigned(session: Session, occurrence_id: int) -> set[str]:
    return set(
        session.scalars(
            select(OccurrenceAssignee.person_key).where(
                OccurrenceAssignee.occurrence_id == occurrence_id
            )
        )
    )


def unassigned(
    session: Session, occurrence_id: int, platform: str, user_ids: Sequence[str]
) -> list[str]:
    """The platform user ids not yet assignees of an occurrence, found by their people
    rows a thousand at a time (an hourly roster of thousands costs a few queries)."""
    assigned = _assigned(session, occurrence_id)
    keys: dict[str, str] = {}
    for start in range(0, len(user_ids), 1000):
        rows = session.execute(
            select(Person.platform_user_id, Person.person_key).where(
                Person.platform == platform,
                Person.platform_user_id.in_(user_ids[start : start + 1000]),
                Person.erased_at.is_(None),
            )
        )
        keys.update((str(uid), key) for uid, key in rows)
    return [uid for uid in user_ids if keys.get(uid) not in assigned]


def enroll(
    session: Session,
    occurrence: Occurrence,
    people: Sequence[Target],
    now: datetime,
    assigned: set[str] | None = None,
) -> int:
    """Make `people` assignees of a campaign occurrence and queue its post to each one not
    already in it (once, whoever else enrols them at the same time); how many joined."""
    assigned = _assigned(session, occurrence.id) if assigned is None else assigned
    added = 0
    for person in people:
        key = resolve_person(session, person, now)
        if key in assigned:
            continue
        assigned.add(key)
        values = {"occurrence_id": occurrence.id, "person_key": key, "platform": person.platform}
        if insert_once(session, OccurrenceAssignee, values) is not None:
            enqueue(session, occurrence.id, POST, [(person.platform, "person", key)], 0, now, now)
            added += 1
    return added


def question_tallies(session: Session) -> list[tuple[str, str, int, int]]:
    """(question id, language, asked, answered right) for every question asked in a
    campaign, the least often answered right first (what people misunderstand)."""
    rows = session.execute(
        select(
            QuestionTally.question_id, QuestionTally.lang, QuestionTally.asked, QuestionTally.right
        )
    ).all()
    tallies = [(q, lang, int(asked), int(right)) for q, lang, asked, right in rows]
    return sorted(tallies, key=lambda t: (t[3] / t[2] if t[2] else 1.0, -t[2], t[0], t[1]))
