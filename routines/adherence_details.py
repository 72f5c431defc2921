"""Evidence rows of an adherence report, streamed: one per (occurrence, required confirmer).

The required confirmers are the occurrence's assignees plus anyone who confirmed without
being one (e.g. "anyone in the channel"); an occurrence that nobody had to or did
confirm still gets one row. Rows come in occurrence order (the order occurrences were
created, i.e. chronological).

A report can hold hundreds of thousands of rows, so instead of one query joining five
tables (one random index lookup per row and table) this reads four ordered streams
(occurrences, assignees, confirmations, ledger entries, each by occurrence id) and
merges them in Python: sequential reads, constant memory. People (names) are a dict.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, Final, NamedTuple

from sqlalchemy import Connection, String, cast, func, select
from sqlalchemy.orm import Session

from routines import models as m
from routines.adherence import ERASED, Outcome, Scope, in_scope, outcome_of
from routines.ledger import CONFIRMATION_RECORDED, OCCURRENCE_NOT_APPLICABLE, LedgerEntry
from routines.people import Person

_BATCH: Final = 5000


class DetailRow(NamedTuple):
    """One evidence row (a NamedTuple: hundreds of thousands are made per report)."""

    occurrence_id: int
    routine_id: str
    routine_title: str
    team: str
    scheduled_date: str  # ISO date, as stored: reports print it, so it is never parsed
    due_date: str  # ISO date
    status: str
    outcome: Outcome
    person_key: str | None
    person: str  # the required confirmer (or whoever confirmed), by name
    confirmed_by: str  # the same name once this person confirmed, else ""
    confirmed_at: datetime | None  # UTC
    confirmation: str  # confirm | not_applicable | "" (not confirmed by this person)
    days_late: int | None
    note: str
    ledger_hash: str
    confirmed_local: str = ""  # confirmed_at in the report's timezone, "2027-01-10 10:12"

    def as_dict(self) -> dict[str, Any]:
        return {
            "occurrence_id": self.occurrence_id,
            "routine_id": self.routine_id,
            "routine_title": self.routine_title,
            "team": self.team,
            "scheduled_date": self.scheduled_date,
            "due_date": self.due_date,
            "status": self.status,
            "outcome": self.outcome,
            "person": self.person,
            "confirmed_by": self.confirmed_by,
            "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None,
            "confirmation": self.confirmation,
            "days_late": self.days_late,
            "note": self.note,
            "ledger_hash": self.ledger_hash,
        }


# The columns of every report format (not person_key: it is an internal id).
DETAIL_FIELDS: Final = (
    "occurrence_id", "routine_id", "routine_title", "team", "scheduled_date", "due_date",
    "status", "outcome", "person", "confirmed_by", "confirmed_at", "confirmation",
    "days_late", "note", "ledger_hash",
)  # fmt: skip


class _Stream:
    """An ordered row stream that hands out the rows of one occurrence id at a time."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._rows = iter(rows)
        self._next: Any = next(self._rows, None)

    def take(self, occurrence_id: int) -> list[Any]:
        while self._next is not None and self._next[0] < occurrence_id:
            self._next = next(self._rows, None)  # belongs to an occurrence out of scope
        taken = []
        while self._next is not None and self._next[0] == occurrence_id:
            taken.append(self._next)
            self._next = next(self._rows, None)
        return taken


def _moment(text: str | None) -> datetime | None:
    """Times are selected as text: `fromisoformat` beats the drivers' per-row conversion.

    SQLite hands back naive UTC, PostgreSQL text with an offset; both become aware UTC.
    """
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _driver_rows(conn: Connection, stmt: Any) -> Iterator[tuple[Any, ...]]:
    """Run a Core statement on the driver's own cursor, in the session's transaction.

    A report reads every row of four streams; SQLAlchemy's result layer was a quarter
    of the cost per row. PostgreSQL gets a server-side cursor (constant memory).
    """
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    if conn.dialect.name == "postgresql":
        cursor = dbapi.cursor(name=f"report_{secrets.token_hex(4)}")
        cursor.itersize = _BATCH
        cursor.execute(str(compiled), params)
    else:
        cursor = dbapi.cursor()
        positional = [params[name] for name in compiled.positiontup or ()]
        cursor.execute(str(compiled), [_sqlite_value(v) for v in positional])
    try:
        while batch := cursor.fetchmany(_BATCH):
            yield from batch
    finally:
        cursor.close()


def _sqlite_value(value: Any) -> Any:
    # What SQLAlchemy's Date type stores on SQLite (the driver's date adapter is deprecated).
    return value.isoformat() if isinstance(value, date) else value


def iter_details(session: Session, scope: Scope) -> Iterator[DetailRow]:
    """Stream the evidence rows of the scope in occurrence order."""
    o, a, c, entry = m.Occurrence, m.OccurrenceAssignee, m.Confirmation, LedgerEntry
    bounds = session.execute(in_scope(select(func.min(o.id), func.max(o.id)), scope)).one()
    if bounds[0] is None:
        return
    low, high = bounds

    conn = session.connection()

    def rows(stmt: Any) -> Iterator[Any]:
        return _driver_rows(conn, stmt)

    def stream(stmt: Any) -> _Stream:
        return _Stream(rows(stmt))

    occurrences = rows(
        in_scope(
            select(
                o.id, o.routine_id, cast(o.scheduled_date, String), cast(o.due_date, String),
                o.status, cast(o.closed_at, String), o.reason,
            ),
            scope,
        )
        .where(o.id.between(low, high))  # lets SQLite walk the primary key: no sort
        .order_by(o.id)
    )  # fmt: skip
    assignees = stream(
        select(a.occurrence_id, a.person_key)
        .where(a.occurrence_id.between(low, high))
        .order_by(a.occurrence_id, a.person_key)
    )
    confirmations = stream(
        select(c.occurrence_id, c.person_key, c.kind, c.note, cast(c.created_at, String))
        .where(c.occurrence_id.between(low, high))
        .order_by(c.occurrence_id, c.person_key)
    )
    ledger_hashes = stream(
        select(entry.occurrence_id, entry.person_key, entry.hash)
        .where(
            entry.occurrence_id.between(low, high),
            entry.event.in_((CONFIRMATION_RECORDED, OCCURRENCE_NOT_APPLICABLE)),
        )
        .order_by(entry.occurrence_id, entry.seq)
    )
    names = _names(session, ERASED.get(scope.lang, ERASED["en"]))
    build = _RowBuilder(scope)
    for occurrence in occurrences:
        occurrence_id = occurrence[0]
        required = [row[1] for row in assignees.take(occurrence_id)]
        confirmed = {row[1]: row for row in confirmations.take(occurrence_id)}
        hashes: dict[str, str] = {}
        for row in ledger_hashes.take(occurrence_id):
            if row[1] is not None:
                hashes.setdefault(row[1], row[2])  # the first entry wins (retries append more)
        people = sorted(set(required) | confirmed.keys()) or [None]
        for person_key in people:
            yield build(occurrence, person_key, names, confirmed, hashes)


def _names(session: Session, erased: str) -> dict[str, str]:
    """Person key -> display name; erased people by the word for "erased person"."""
    rows = session.execute(
        select(Person.person_key, Person.display_name, Person.platform_user_id, Person.erased_at)
    )
    return {
        key: erased if erased_at is not None else (name or platform_id or key)
        for key, name, platform_id, erased_at in rows
    }


class _RowBuilder:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope
        self._today = scope.today
        self._tz = scope.tz
        self._infos: dict[str, tuple[str, str]] = {}

    def _info(self, routine_id: str) -> tuple[str, str]:
        found = self._infos.get(routine_id)
        if found is None:
            info = self._scope.info(routine_id)
            found = self._infos[routine_id] = (info.title, info.team)
        return found

    def _local(self, moment: datetime) -> date:
        return moment.astimezone(self._tz).date()

    def __call__(
        self,
        occurrence: Any,
        person_key: str | None,
        names: dict[str, str],
        confirmed: dict[str, Any],
        hashes: dict[str, str],
    ) -> DetailRow:
        occurrence_id, routine_id, scheduled, due_text, status, closed_text, reason = occurrence
        due = date.fromisoformat(due_text)
        outcome = outcome_of(status, due, self._today)
        title, team = self._info(routine_id)
        name = "" if person_key is None else names.get(person_key, person_key)
        confirmation = confirmed.get(person_key) if person_key is not None else None
        kind = note = confirmed_at = None
        confirmed_local = ""
        days_late: int | None = None
        if confirmation is not None:
            _, _, kind, note, confirmed_text = confirmation
            confirmed_at = _moment(confirmed_text)
            if confirmed_at is not None:
                local = confirmed_at.astimezone(self._tz)
                confirmed_local = local.isoformat(" ", "minutes")[:16]
                if kind == m.CONFIRM:
                    days_late = max(0, (local.date() - due).days)
        if kind == m.NA or (kind is None and outcome == "not_applicable"):
            note = note or reason
        if kind is None and outcome == "missing":
            closed_at = _moment(closed_text)
            until = self._local(closed_at) if closed_at is not None else self._today
            days_late = max(0, (until - due).days)
        return DetailRow(
            occurrence_id, routine_id, title, team, scheduled, due_text, status,
            outcome, person_key, name, name if kind else "", confirmed_at, kind or "",
            days_late, note or "",
            hashes.get(person_key, "") if person_key is not None and kind else "",
            confirmed_local,
        )  # fmt: skip
