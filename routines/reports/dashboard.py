"""Figures for the officers' web pages: the overview, and the tables per routine and team.

Every figure is counted by the database (GROUP BY over the occurrences; the outcome by
the adherence report's own rules, `outcome_of` / `outcome_sql`), so a page costs a few
aggregate queries whatever the number of occurrences; the covering index
`ix_occurrences_dashboard` (scheduled_date, status, due_date, routine_id) lets both
databases answer them from the index alone. An occurrence belongs to the month and
quarter of its `scheduled_date`, as in the report, so the page and a report agree.

`routines` (a set of routine ids, or None for all) narrows every figure to what the
viewer may see; the web layer decides it (bot/web/access.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routines.engine import models as m
from routines.ledger.status import LedgerStatus, ledger_status
from routines.reports.adherence import (
    Period,
    RoutineInfo,
    Tally,
    outcome_of,
    outcome_sql,
    parse_period,
)

TREND_MONTHS = 12
OVERDUE_LISTED = 10


def quarter_of(day: date) -> Period:
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def previous_quarter(day: date) -> Period:
    first = quarter_of(day).start
    return quarter_of(
        date(first.year - 1, 12, 1) if first.month == 1 else first.replace(month=first.month - 3)
    )


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before `day`'s."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class MonthFigures:
    month: date  # its first day
    tally: Tally

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")


@dataclass(frozen=True)
class QuarterFigures:
    period: Period
    tally: Tally


@dataclass(frozen=True)
class OverdueItem:
    occurrence_id: int
    routine_id: str
    title: str
    due_date: date
    days: int


@dataclass(frozen=True)
class Overview:
    today: date
    current: QuarterFigures
    previous: QuarterFigures
    trend: tuple[MonthFigures, ...]  # oldest first, ending with the current month
    overdue: int  # open occurrences past their due date, now
    oldest_overdue: tuple[OverdueItem, ...]
    ledger: LedgerStatus


@dataclass(frozen=True)
class RoutineRow:
    routine_id: str
    title: str
    team: str
    tally: Tally
    overdue: int = 0


@dataclass(frozen=True)
class TeamRow:
    team: str
    routines: int
    tally: Tally
    overdue: int = 0
    routine_ids: tuple[str, ...] = field(default=())


def _only(stmt: Any, routines: Collection[str] | None) -> Any:
    if routines is None:
        return stmt
    return stmt.where(m.Occurrence.routine_id.in_(sorted(routines)))


def overview(
    session: Session,
    today: date,
    infos: Mapping[str, RoutineInfo],
    routines: Collection[str] | None = None,
) -> Overview:
    """Two quarters, twelve months, overdue now and the ledger's state: four small reads."""
    o = m.Occurrence
    current, previous = quarter_of(today), previous_quarter(today)
    first = min(month_start(today, TREND_MONTHS - 1), previous.start)
    # Grouped by the covering index's own columns, in its order, so both databases count
    # while reading the index (no sort, no per-row date function); months and outcomes
    # are folded here from a few hundred rows (one per day, status and due date).
    counts = _only(
        select(o.scheduled_date, o.status, o.due_date, func.count())
        .where(o.scheduled_date >= first, o.scheduled_date <= current.end)
        .group_by(o.scheduled_date, o.status, o.due_date),
        routines,
    )
    months: dict[date, Tally] = {}
    for scheduled, status, due, count in session.execute(counts):
        month = scheduled.replace(day=1)
        months.setdefault(month, Tally()).add(outcome_of(status, due, today), int(count))
    overdue_where = (o.status == m.OPEN, o.due_date < today)
    overdue = session.scalar(_only(select(func.count()).where(*overdue_where), routines)) or 0
    oldest = session.execute(
        _only(select(o.id, o.routine_id, o.due_date).where(*overdue_where), routines)
        .order_by(o.due_date, o.id)
        .limit(OVERDUE_LISTED)
    ).all()
    return Overview(
        today=today,
        current=QuarterFigures(current, _sum(months, current)),
        previous=QuarterFigures(previous, _sum(months, previous)),
        trend=tuple(
            MonthFigures(start, months.get(start, Tally()))
            for start in (month_start(today, back) for back in range(TREND_MONTHS - 1, -1, -1))
        ),
        overdue=int(overdue),
        oldest_overdue=tuple(
            OverdueItem(i, rid, _title(infos, rid), due, (today - due).days)
            for i, rid, due in oldest
        ),
        ledger=ledger_status(session),
    )


def _sum(months: Mapping[date, Tally], period: Period) -> Tally:
    total = Tally()
    for start, tally in months.items():
        if period.start <= start <= period.end:
            total.merge(tally)
    return total


def _title(infos: Mapping[str, RoutineInfo], routine_id: str) -> str:
    info = infos.get(routine_id)
    return info.title if info is not None else routine_id


def routine_rows(
    session: Session,
    period: Period,
    today: date,
    infos: Mapping[str, RoutineInfo],
    routines: Collection[str] | None = None,
) -> list[RoutineRow]:
    """One row per routine: every catalogue routine the viewer may see (zeros included, a
    routine that never ran is worth seeing) plus any with occurrences in the period."""
    o = m.Occurrence
    outcome = outcome_sql(today).label("outcome")
    counts = _only(
        select(o.routine_id, outcome, func.count())
        .where(o.scheduled_date >= period.start, o.scheduled_date <= period.end)
        .group_by(o.routine_id, outcome),
        routines,
    )
    tallies: dict[str, Tally] = {
        rid: Tally() for rid in infos if routines is None or rid in routines
    }
    for routine_id, label, count in session.execute(counts):
        tallies.setdefault(routine_id, Tally()).add(label, int(count))
    overdue = dict(
        session.execute(
            _only(
                select(o.routine_id, func.count())
                .where(o.status == m.OPEN, o.due_date < today)
                .group_by(o.routine_id),
                routines,
            )
        ).all()
    )
    rows = []
    for routine_id, tally in tallies.items():
        info = infos.get(routine_id) or RoutineInfo(routine_id)
        rows.append(
            RoutineRow(routine_id, info.title, info.team, tally, int(overdue.get(routine_id, 0)))
        )
    return sorted(rows, key=lambda r: (r.team, r.title.casefold(), r.routine_id))


def team_rows(rows: list[RoutineRow]) -> list[TeamRow]:
    """The routine rows folded by team (a routine's team is its first channel)."""
    teams: dict[str, list[RoutineRow]] = {}
    for row in rows:
        teams.setdefault(row.team, []).append(row)
    result = []
    for team, members in sorted(teams.items()):
        tally = Tally()
        for row in members:
            tally.merge(row.tally)
        result.append(
            TeamRow(
                team,
                len(members),
                tally,
                sum(r.overdue for r in members),
                tuple(r.routine_id for r in members),
            )
        )
    return result
