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
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Final, NamedTuple

from sqlalchemy import Connection, String, cast, func, select
from sqlalchemy.orm import Session

from routines.engine import models as m
from routines.ledger import CONFIRMATION_RECORDED, OCCURRENCE_NOT_APPLICABLE, LedgerEntry
from routines.ledger.chain_stream import read_ahead
from routines.reports.adherence import ERASED, Outcome, Scope, in_scope, outcome_of
from storage.people import Person

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
    confirmed_utc: datetime | None  # naive UTC (see `confirmed_at`)
    confirmation: str  # confirm | not_applicable | "" (not confirmed by this person)
    days_late: int | None
    note: str
    ledger_hash: str
    confirmed_local: str = ""  # confirmed_at in the report's timezone, "2027-01-10 10:12"
    notes: str = ""  # every note or evidence link added to the occurrence, one per line

    @property
    def confirmed_at(self) -> datetime | None:
        """When this person confirmed (aware UTC)."""
        return None if self.confirmed_utc is None else self.confirmed_utc.replace(tzinfo=UTC)

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
            "notes": self.notes,
            "ledger_hash": self.ledger_hash,
        }


# The columns of every report format (not person_key: it is an internal id).
DETAIL_FIELDS: Final = (
    "occurrence_id", "routine_id", "routine_title", "team", "scheduled_date", "due_date",
    "status", "outcome", "person", "confirmed_by", "confirmed_at", "confirmation",
    "days_late", "note", "notes", "ledger_hash",
)  # fmt: skip


class _Stream:
    """An ordered row stream that hands out the rows of one occurrence id at a time."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._rows = iter(rows)
        self._next: Any = next(self._rows, None)

    def take(self, occurrence_id: int) -> Sequence[Any]:
        found = self._next
        if found is None or found[0] > occurrence_id:
            return ()  # the common case for confirmations and hashes: nothing to take
        rows = self._rows
        while found is not None and found[0] < occurrence_id:
            found = next(rows, None)  # belongs to an occurrence out of scope
        taken = []
        while found is not None and found[0] == occurrence_id:
            taken.append(found)
            found = next(rows, None)
        self._next = found
        return taken


def _naive_utc(text: str | None) -> datetime | None:
    """Times are selected as text: `fromisoformat` beats the drivers' per-row conversion.

    SQLite hands back naive UTC, PostgreSQL text with an offset; both become naive UTC
    (arithmetic and formatting on naive datetimes skip the time zone machinery).
    """
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


class _LocalClock:
    """Naive UTC -> naive local time in one zone, with the UTC offset cached per hour.

    Converting every confirmation time through zoneinfo was a tenth of a report's cost.
    An hour whose offset changes inside it (a DST switch not on the hour) is not cached.
    """

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self._offsets: dict[tuple[int, int, int, int], timedelta] = {}

    def local(self, utc: datetime) -> datetime:
        key = (utc.year, utc.month, utc.day, utc.hour)
        offset = self._offsets.get(key)
        if offset is None:
            start = datetime(*key, tzinfo=UTC)
            first = self._offset_at(start)
            if first == self._offset_at(start + _LAST_OF_HOUR):
                self._offsets[key] = first
            return utc + self._offset_at(utc.replace(tzinfo=UTC))
        return utc + offset

    def _offset_at(self, moment: datetime) -> timedelta:
        return moment.astimezone(self._tz).utcoffset() or timedelta(0)


_LAST_OF_HOUR: Final = timedelta(minutes=59, seconds=59, microseconds=999999)


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
        try:
            yield from read_ahead(cursor, _BATCH)  # the server's work overlaps ours
        finally:
            cursor.close()
        return
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
    n = m.OccurrenceNote
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
    notes = stream(
        select(n.occurrence_id, n.person_key, n.text, cast(n.created_at, String))
        .where(n.occurrence_id.between(low, high))
        .order_by(n.occurrence_id, n.id)
    )
    names = _names(session, ERASED.get(scope.lang, ERASED["en"]))
    build = _RowBuilder(scope)
    for occurrence in occurrences:
        occurrence_id = occurrence[0]
        build.notes = build.notes_text(notes.take(occurrence_id), names)
        required = [row[1] for row in assignees.take(occurrence_id)]
        confirmed = {row[1]: row for row in confirmations.take(occurrence_id)}
        hashes: dict[str, str] = {}
        for row in ledger_hashes.take(occurrence_id):
            if row[1] is not None:
                hashes.setdefault(row[1], row[2])  # the first entry wins (retries append more)
        if len(required) == 1 and confirmed.keys() <= {required[0]}:
            people: Sequence[str | None] = required  # the common case: no set, no sort
        else:
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
        self._clock = _LocalClock(scope.tz)
        self._infos: dict[str, tuple[str, str]] = {}
        self.notes = ""  # the current occurrence's notes (set before its rows are built)

    def notes_text(self, rows: Sequence[Any], names: dict[str, str]) -> str:
        """`2027-01-05 10:12 Anna Andersson: text`, one line per note, oldest first."""
        if not rows:
            return ""
        lines = []
        for _, person_key, text, created_text in rows:
            created = _naive_utc(created_text)
            when = self._clock.local(created).isoformat(" ", "minutes") if created else ""
            lines.append(f"{when} {names.get(person_key, person_key)}: {text}")
        return "\n".join(lines)

    def _info(self, routine_id: str) -> tuple[str, str]:
        found = self._infos.get(routine_id)
        if found is None:
            info = self._scope.info(routine_id)
            found = self._infos[routine_id] = (info.title, info.team)
        return found

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
        kind = note = confirmed_utc = None
        confirmed_local = ""
        days_late: int | None = None
        if confirmation is not None:
            _, _, kind, note, confirmed_text = confirmation
            confirmed_utc = _naive_utc(confirmed_text)
            if confirmed_utc is not None:
                local = self._clock.local(confirmed_utc)
                confirmed_local = local.isoformat(" ", "minutes")
                if kind == m.CONFIRM:
                    days_late = max(0, (local.date() - due).days)
        if kind == m.NA or (kind is None and outcome == "not_applicable"):
            note = note or reason
        if kind is None and outcome == "missing":
            closed_utc = _naive_utc(closed_text)
            until = self._clock.local(closed_utc).date() if closed_utc else self._today
            days_late = max(0, (until - due).days)
        return DetailRow(
            occurrence_id, routine_id, title, team, scheduled, due_text, status,
            outcome, person_key, name, name if kind else "", confirmed_utc, kind or "",
            days_late, note or "",
            hashes.get(person_key, "") if person_key is not None and kind else "",
            confirmed_local, self.notes,
        )  # fmt: skip
