"""Adherence: were routines carried out on time? Figures and evidence rows for a period.

An occurrence belongs to the period that holds its `scheduled_date`. As of `now` each
occurrence has exactly one outcome:

- `on_time`: confirmed on or before its due date (status done);
- `late`: confirmed after its due date (status late);
- `missing`: closed unconfirmed (missed), or still open after its due date;
- `not_applicable`: closed as not applicable, with a reason;
- `pending`: open and not yet due: too early to judge, so outside the rate.

Adherence rate = on time / applicable, applicable = on time + late + missing.
Median days late is over the occurrences confirmed late.

Detail rows are one per (occurrence, required confirmer): the assignees, plus anyone who
confirmed without being one (e.g. "anyone in the channel"); an occurrence nobody had to
or did confirm still gets one row. Rows are streamed from the database (`yield_per`), so
a report of any size runs in constant memory.
"""

from __future__ import annotations

import calendar
import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from routines import ledger
from routines.catalog import Catalog
from routines.engine import models as m
from storage.clock import DEFAULT_TIMEZONE, as_utc

Outcome = Literal["on_time", "late", "missing", "not_applicable", "pending"]
OUTCOMES: Final[tuple[Outcome, ...]] = ("on_time", "late", "missing", "not_applicable", "pending")
ERASED: Final = {"sv": "raderad person", "en": "erased person"}
_BATCH = 2000


# --- periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")


_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str) -> Period:
    """`2027-Q1`, `2027-01`, `2027` or `2027-01-01..2027-03-31`; ValueError with a reason."""
    value = text.strip()
    if match := _QUARTER.match(value):
        year, quarter = int(match[1]), int(match[2])
        first = date(year, 3 * quarter - 2, 1)
        last_month = 3 * quarter
        end = date(year, last_month, calendar.monthrange(year, last_month)[1])
        return Period(first, end, f"{year}-Q{quarter}")
    if match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"no month {month} in {value!r}")
        return Period(
            date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), value
        )
    if match := _YEAR.match(value):
        year = int(match[1])
        return Period(date(year, 1, 1), date(year, 12, 31), value)
    if ".." in value:
        head, _, tail = value.partition("..")
        return between(date.fromisoformat(head.strip()), date.fromisoformat(tail.strip()))
    raise ValueError(
        f"unknown period {value!r}: use 2027-Q1, 2027-01, 2027 or 2027-01-01..2027-03-31"
    )


def between(start: date, end: date) -> Period:
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")


def current_quarter(today: date) -> Period:
    return parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")


# --- routine metadata (from the catalogue) --------------------------------------------------


@dataclass(frozen=True)
class RoutineInfo:
    title: str
    team: str = ""  # the channel/team the routine is posted to


def routine_infos(catalog: Catalog, lang: str) -> dict[str, RoutineInfo]:
    """Title in `lang` and the first channel a routine posts to (its team)."""
    infos: dict[str, RoutineInfo] = {}
    for routine in catalog.routines:
        channels = [t.address for t in routine.post_to if t.kind == "channel"]
        infos[routine.id] = RoutineInfo(
            routine.text(routine.title, lang), channels[0] if channels else ""
        )
    return infos


@dataclass(frozen=True)
class Scope:
    """What a report covers and how to present it."""

    period: Period
    now: datetime
    timezone: str = DEFAULT_TIMEZONE
    routine_id: str | None = None
    lang: str = "sv"
    routines: Mapping[str, RoutineInfo] = field(default_factory=dict)
    organisation: str = ""  # GDPRBOT_ORGANISATION: whose evidence this is
    author: str = ""  # who produced the report (a name, or "cli")
    produced_at: datetime | None = None  # when it was produced (default: `now`)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def today(self) -> date:
        return as_utc(self.now).astimezone(self.tz).date()

    def local_date(self, moment: datetime) -> date:
        return as_utc(moment).astimezone(self.tz).date()

    def info(self, routine_id: str) -> RoutineInfo:
        return self.routines.get(routine_id) or RoutineInfo(routine_id)


def outcome_of(status: str, due: date, today: date) -> Outcome:
    if status == m.DONE:
        return "on_time"
    if status == m.LATE:
        return "late"
    if status == m.NOT_APPLICABLE:
        return "not_applicable"
    if status == m.MISSED or due < today:
        return "missing"
    return "pending"


# --- summary -------------------------------------------------------------------------------


@dataclass
class Tally:
    occurrences: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    not_applicable: int = 0
    pending: int = 0
    days_late: list[int] = field(default_factory=list)

    def add(self, outcome: Outcome, count: int = 1) -> None:
        self.occurrences += count
        setattr(self, outcome, getattr(self, outcome) + count)

    def merge(self, other: Tally) -> None:
        for name in ("occurrences", *OUTCOMES):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.days_late.extend(other.days_late)

    @property
    def applicable(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def rate(self) -> float | None:
        return self.on_time / self.applicable if self.applicable else None

    @property
    def median_days_late(self) -> float | None:
        return float(statistics.median(self.days_late)) if self.days_late else None

    def as_dict(self) -> dict[str, Any]:
        rate = self.rate
        return {
            "occurrences": self.occurrences,
            "on_time": self.on_time,
            "late": self.late,
            "missing": self.missing,
            "not_applicable": self.not_applicable,
            "pending": self.pending,
            "applicable": self.applicable,
            "adherence_rate": None if rate is None else round(rate, 4),
            "median_days_late": self.median_days_late,
        }


@dataclass(frozen=True)
class RoutineFigures:
    routine_id: str
    title: str
    team: str
    tally: Tally


@dataclass(frozen=True)
class Summary:
    scope: Scope
    routines: tuple[RoutineFigures, ...]
    teams: Mapping[str, Tally]
    total: Tally
    ledger_head: tuple[int, str] = (0, "0" * 64)  # the chain's head in the report's snapshot

    def as_dict(self) -> dict[str, Any]:
        scope = self.scope
        return {
            "organisation": scope.organisation,
            "produced_by": scope.author,
            "produced_at": as_utc(scope.produced_at or scope.now).isoformat(),
            "timezone": scope.timezone,
            "language": scope.lang,
            "ledger_head": {"seq": self.ledger_head[0], "hash": self.ledger_head[1]},
            "period": {
                "label": scope.period.label,
                "from": scope.period.start.isoformat(),
                "to": scope.period.end.isoformat(),
            },
            "as_of": as_utc(scope.now).isoformat(),
            "routine_filter": scope.routine_id,
            "total": self.total.as_dict(),
            "routines": [
                {"routine_id": r.routine_id, "title": r.title, "team": r.team, **r.tally.as_dict()}
                for r in self.routines
            ],
            "teams": [{"team": team, **t.as_dict()} for team, t in sorted(self.teams.items())],
        }


def in_scope(stmt: Any, scope: Scope) -> Any:
    stmt = stmt.where(
        m.Occurrence.scheduled_date >= scope.period.start,
        m.Occurrence.scheduled_date <= scope.period.end,
    )
    if scope.routine_id:
        stmt = stmt.where(m.Occurrence.routine_id == scope.routine_id)
    return stmt


def outcome_sql(today: date) -> Any:
    """`outcome_of` in SQL, so the database counts (one row per routine and outcome)."""
    o = m.Occurrence
    return case(
        (o.status == m.DONE, "on_time"),
        (o.status == m.LATE, "late"),
        (o.status == m.NOT_APPLICABLE, "not_applicable"),
        (o.status == m.MISSED, "missing"),
        (o.due_date < today, "missing"),
        else_="pending",
    )


def summarise(session: Session, scope: Scope) -> Summary:
    """Figures per routine, per team and in total, counted by the database."""
    o = m.Occurrence
    outcome = outcome_sql(scope.today).label("outcome")
    counts = in_scope(select(o.routine_id, outcome, func.count()), scope).group_by(
        o.routine_id, outcome
    )
    per_routine: dict[str, Tally] = {}
    for routine_id, label, count in session.execute(counts):
        per_routine.setdefault(routine_id, Tally()).add(label, int(count))
    late = in_scope(
        select(o.routine_id, o.due_date, o.closed_at).where(
            o.status == m.LATE, o.closed_at.is_not(None)
        ),
        scope,
    )
    for routine_id, due, closed_at in session.execute(
        late, execution_options={"yield_per": _BATCH}
    ):
        per_routine[routine_id].days_late.append(_days_after(due, scope.local_date(closed_at)))
    figures = tuple(
        RoutineFigures(rid, scope.info(rid).title, scope.info(rid).team, tally)
        for rid, tally in sorted(per_routine.items())
    )
    teams: dict[str, Tally] = {}
    total = Tally()
    for fig in figures:
        teams.setdefault(fig.team, Tally()).merge(fig.tally)
        total.merge(fig.tally)
    return Summary(scope, figures, teams, total, ledger.head(session))


def _days_after(due: date, day: date) -> int:
    return max(0, (day - due).days)


def has_occurrences(session: Session, routine_id: str) -> bool:
    """Whether any occurrence of this routine id is stored."""
    stmt = select(m.Occurrence.id).where(m.Occurrence.routine_id == routine_id).limit(1)
    return session.execute(stmt).first() is not None
