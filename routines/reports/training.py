"""The training report: per campaign (an occurrence of a `training` routine) its
audience, how many passed, failed or have not finished, the pass rate and who is overdue;
the same figures per team, and each person's result.

A campaign's team is the routine's team as every report defines it (`routine_infos`: the
first channel the routine posts to; "" when it posts to none). Names appear for each
person of the audience: an officer or team lead reads whom to chase and who has shown
competence (the score and pass, never the options picked). Files: training_formats.py.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from routines.catalog import Catalog
from routines.engine.models import Confirmation, Occurrence, OccurrenceAssignee
from routines.engine.training import TrainingAttempt
from routines.reports.adherence import Period, routine_infos
from storage.clock import as_utc
from storage.people import Person

ERASED_NAME = "(erased)"


@dataclass(frozen=True)
class CampaignRow:
    occurrence_id: int
    routine_id: str
    due_date: date
    status: str
    audience: int
    passed: int
    failed: int  # finished their latest attempt without passing
    not_finished: int  # not started, or an attempt under way
    pass_rate: float | None  # passed / audience
    overdue: tuple[str, ...]  # names of those not passed once the due date is behind
    team: str = ""  # the routine's team/channel ("" when it posts to no channel)


@dataclass(frozen=True)
class PersonRow:
    """One person's result in one campaign (their latest attempt)."""

    occurrence_id: int
    routine_id: str
    team: str
    person: str  # the display name, or "(erased)"
    result: str  # passed | failed | not_finished
    right: int | None  # of the latest attempt; None when never finished one
    total: int | None
    finished_on: str  # ISO date (UTC) of the latest finished attempt, or ""
    attempts: int
    overdue: bool  # not passed and the due date is behind


@dataclass(frozen=True)
class TeamRow:
    team: str
    campaigns: int
    audience: int
    passed: int
    failed: int
    not_finished: int
    overdue: int
    pass_rate: float | None  # passed / audience over the team's campaigns


@dataclass(frozen=True)
class TrainingReport:
    period: Period
    as_of: date
    campaigns: tuple[CampaignRow, ...]
    people: tuple[PersonRow, ...]

    @property
    def teams(self) -> tuple[TeamRow, ...]:
        """Per team, its campaigns' figures summed (teams sorted by name)."""
        grouped: dict[str, list[CampaignRow]] = {}
        for row in self.campaigns:
            grouped.setdefault(row.team, []).append(row)
        return tuple(_team(team, rows) for team, rows in sorted(grouped.items()))

    @property
    def audience(self) -> int:
        return sum(r.audience for r in self.campaigns)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.campaigns)


def _team(team: str, rows: list[CampaignRow]) -> TeamRow:
    audience = sum(r.audience for r in rows)
    passed = sum(r.passed for r in rows)
    return TeamRow(
        team, len(rows), audience, passed, sum(r.failed for r in rows),
        sum(r.not_finished for r in rows), sum(len(r.overdue) for r in rows),
        round(passed / audience, 4) if audience else None,
    )  # fmt: skip


def training_report(
    session: Session,
    catalog: Catalog,
    period: Period,
    today: date,
    routine_ids: Collection[str] | None = None,
) -> TrainingReport:
    """Every training campaign due in `period` (only `routine_ids` when given), oldest
    first, with each person's result."""
    training = [r.id for r in catalog.routines if r.kind == "training"]
    if routine_ids is not None:
        training = [r for r in training if r in routine_ids]
    teams = {rid: info.team for rid, info in routine_infos(catalog, "en").items()}
    occurrences = session.scalars(
        select(Occurrence)
        .where(
            Occurrence.routine_id.in_(training),
            Occurrence.due_date >= period.start,
            Occurrence.due_date <= period.end,
        )
        .order_by(Occurrence.due_date, Occurrence.id)
    ).all()
    campaigns: list[CampaignRow] = []
    people: list[PersonRow] = []
    for occurrence in occurrences:
        team = teams.get(occurrence.routine_id, "")
        campaign, persons = _campaign(session, occurrence, today, team)
        campaigns.append(campaign)
        people.extend(persons)
    return TrainingReport(period, today, tuple(campaigns), tuple(people))


def training_rows(
    session: Session, catalog: Catalog, period: Period, today: date, routine_id: str | None = None
) -> list[CampaignRow]:
    """One row per training campaign due in `period` (oldest first)."""
    only = None if routine_id is None else [routine_id]
    return list(training_report(session, catalog, period, today, only).campaigns)


def _names(session: Session, keys: list[str]) -> dict[str, str]:
    """Display names by person key, a thousand keys a query (not one query each);
    erased people have none."""
    names: dict[str, str] = {}
    for start in range(0, len(keys), 1000):
        rows = session.execute(
            select(Person.person_key, Person.display_name, Person.platform_user_id).where(
                Person.person_key.in_(keys[start : start + 1000]), Person.erased_at.is_(None)
            )
        )
        names.update((key, name or user_id or "") for key, name, user_id in rows)
    return names


def _campaign(
    session: Session, occurrence: Occurrence, today: date, team: str
) -> tuple[CampaignRow, list[PersonRow]]:
    audience = list(
        session.scalars(
            select(OccurrenceAssignee.person_key)
            .where(OccurrenceAssignee.occurrence_id == occurrence.id)
            .order_by(OccurrenceAssignee.person_key)
        )
    )
    confirmed = set(
        session.scalars(
            select(Confirmation.person_key).where(Confirmation.occurrence_id == occurrence.id)
        )
    )
    attempts: dict[str, list[TrainingAttempt]] = {}
    for attempt in session.scalars(
        select(TrainingAttempt)
        .where(TrainingAttempt.occurrence_id == occurrence.id)
        .order_by(TrainingAttempt.attempt)
    ):
        attempts.setdefault(attempt.person_key, []).append(attempt)
    late = occurrence.due_date < today
    names = _names(session, audience)
    people = []
    for key in audience:
        mine = attempts.get(key, [])
        finished = [a for a in mine if a.finished_at is not None]
        last = finished[-1] if finished else None
        if key in confirmed:
            result = "passed"
        elif mine and mine[-1].passed is False:  # an attempt under way is not a fail
            result = "failed"
        else:
            result = "not_finished"
        people.append(
            PersonRow(
                occurrence.id, occurrence.routine_id, team,
                names.get(key) or ERASED_NAME, result,
                last.right if last else None, len(last.question_ids) if last else None,
                as_utc(last.finished_at).date().isoformat() if last and last.finished_at else "",
                len(mine), late and result != "passed",
            )
        )  # fmt: skip
    passed = sum(p.result == "passed" for p in people)
    failed = sum(p.result == "failed" for p in people)
    row = CampaignRow(
        occurrence.id, occurrence.routine_id, occurrence.due_date, occurrence.status,
        len(audience), passed, failed, len(audience) - passed - failed,
        round(passed / len(audience), 4) if audience else None,
        tuple(p.person for p in people if p.overdue), team,
    )  # fmt: skip
    return row, people
