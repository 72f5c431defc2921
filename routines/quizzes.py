"""The use cases of a training campaign's quiz, one transaction each (`RoutineService.quiz`).

Kept beside `routines/service.py` (which re-exports the values) so that module stays one
noun; the rules themselves are in `routines/engine/training.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from routines.catalog import Catalog, Routine, Target
from routines.engine import acknowledgements as ack
from routines.engine import training as quiz
from routines.engine.models import OPEN, Occurrence, OccurrenceAssignee
from routines.engine.planning import enqueue_updates
from routines.reports.adherence import Period
from routines.reports.training import CampaignRow, training_rows
from storage.clock import as_utc, aware_utc
from storage.people import person_key_for
from storage.sessions import read_session, transaction


class QuizService:
    def __init__(self, factory: sessionmaker[Session], catalog: Catalog) -> None:
        self.factory = factory
        self.catalog = catalog

    def start(
        self, occurrence_id: int, actor: ack.Actor, lang: str, draw: quiz.Draw, now: datetime
    ) -> quiz.Started:
        """Start or resume the person's quiz of a training campaign (`draw` picks the
        question ids, avoiding the ones this person was asked before)."""
        now = aware_utc(now)
        with transaction(self.factory) as session:
            routine = self._routine_of(session, occurrence_id)
            if routine is None or routine.kind != "training":
                return quiz.Started("not_found")
            return quiz.start(session, occurrence_id, routine, actor, lang, draw, now)

    def answer(
        self,
        attempt_id: int,
        position: int,
        judge: quiz.Judge,
        actor: ack.Actor,
        now: datetime,
        *,
        message_id: str | None = None,
    ) -> quiz.Answered:
        """Record one answer once; the last one records the result (and a pass confirms)."""
        now = aware_utc(now)
        with transaction(self.factory) as session:
            row = session.get(quiz.TrainingAttempt, attempt_id)
            routine = self.catalog.get(row.routine_id) if row is not None else None
            if routine is None:
                return quiz.Answered("not_found")
            answered = quiz.answer(session, attempt_id, position, judge, routine, actor, now)
            done = answered.confirmation
            if done is not None and done.result == "completed":
                enqueue_updates(session, done.occurrence_id, now, skip_message=message_id)
            return answered

    def record(self, actor: ack.Actor, now: datetime) -> list[TrainingRecord]:
        """The person's own training record: each campaign, its status and their score."""
        now = aware_utc(now)
        with transaction(self.factory) as session:
            key = person_key_for(session, actor.platform, actor.user_id, now)
            return record_of(session, self.catalog, key)

    def campaigns(self, period: Period, today: date) -> list[CampaignRow]:
        """The training report's rows for campaigns due in `period` (one read)."""
        with read_session(self.factory) as session:
            return training_rows(session, self.catalog, period, today)

    def channel_audiences(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """Enabled campaigns whose audience is their channels' members (`assignees:
        channel`): routine id -> the (platform, channel id) it posts to."""
        return {
            r.id: tuple((t.platform, t.address) for t in r.post_to if t.kind == "channel")
            for r in self.catalog.enabled
            if r.kind == "training" and r.assignees.anyone_in_channel
        }

    def enroll_members(
        self, routine_id: str, platform: str, user_ids: Iterable[str], now: datetime
    ) -> int:
        """The people a platform's roster names join each open occurrence of a campaign
        (a newcomer gets its post at the next tick); how many joined. Nobody leaves: who
        was assigned stays in the evidence."""
        routine = self.catalog.get(routine_id)
        if routine is None or routine.kind != "training":
            return 0
        ids = sorted({uid for uid in user_ids if uid})
        now = aware_utc(now)
        with transaction(self.factory) as session:
            occurrences = session.scalars(
                select(Occurrence).where(
                    Occurrence.routine_id == routine_id, Occurrence.status == OPEN
                )
            ).all()
            joined = 0
            for occurrence in occurrences:
                new = quiz.unassigned(session, occurrence.id, platform, ids)
                people = [Target(platform, "person", uid) for uid in new]
                joined += quiz.enroll(session, occurrence, people, now)
            return joined

    def _routine_of(self, session: Session, occurrence_id: int) -> Routine | None:
        routine_id = session.scalar(
            select(Occurrence.routine_id).where(Occurrence.id == occurrence_id)
        )
        return self.catalog.get(routine_id) if routine_id else None


@dataclass(frozen=True)
class TrainingRecord:
    """One campaign in a person's own record (`utbildning` / `training` without a number)."""

    occurrence_id: int
    routine_id: str
    due_date: date
    status: str  # the occurrence's: open, done, late, missed, ...
    attempts: int
    right: int  # of the latest attempt
    total: int
    passed: bool | None  # None: not finished (or not started)
    finished_at: datetime | None


def record_of(session: Session, catalog: Catalog, key: str) -> list[TrainingRecord]:
    """Every training campaign the person is in the audience of, newest first."""
    rows = session.execute(
        select(Occurrence)
        .join(OccurrenceAssignee, OccurrenceAssignee.occurrence_id == Occurrence.id)
        .where(OccurrenceAssignee.person_key == key)
        .order_by(Occurrence.due_date.desc(), Occurrence.id.desc())
    ).scalars()
    records = []
    for occurrence in rows:
        routine = catalog.get(occurrence.routine_id)
        if routine is None or routine.kind != "training":
            continue
        attempts = list(
            session.scalars(
                select(quiz.TrainingAttempt)
                .where(
                    quiz.TrainingAttempt.occurrence_id == occurrence.id,
                    quiz.TrainingAttempt.person_key == key,
                )
                .order_by(quiz.TrainingAttempt.attempt)
            )
        )
        last = attempts[-1] if attempts else None
        records.append(
            TrainingRecord(
                occurrence.id,
                occurrence.routine_id,
                occurrence.due_date,
                occurrence.status,
                len(attempts),
                last.right if last else 0,
                len(last.question_ids) if last else 0,
                last.passed if last else None,
                as_utc(last.finished_at) if last and last.finished_at else None,
            )
        )
    return records
