"""Reports bound to the ledger: every evidence row in the domain tables must match an entry.

Reports are computed from `occurrences`, `confirmations` and `occurrence_notes`, which the
hash chain does not protect by itself. The ledger is the source of truth; this check
cross-checks the tables against it, occurrence by occurrence, so an SQL edit that turns a
missed routine into "done, on time, confirmed by Anna" is named by `audit verify` (and
in every evidence package's verify.txt):

- an occurrence row needs its `occurrence.created` entry (same routine, dates), and an
  entry needs its row;
- a confirmation or not-applicable row needs its entry (same person, same moment), and an
  entry needs its row;
- a note needs its `note.added` entry with the SHA-256 of its text, and an entry its note;
- status `done`/`late` needs a confirmation entry whose time agrees with on time / late
  (local date against the due date), `not_applicable` needs its entry.

The streams are read in occurrence order and merged (constant memory, like the report).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, String, cast, select
from sqlalchemy.orm import Session

from routines.engine import models as m
from routines.ledger.chain import (
    CONFIRMATION_RECORDED,
    EVIDENCE_REDACTED,
    NOTE_ADDED,
    OCCURRENCE_CREATED,
    OCCURRENCE_NOT_APPLICABLE,
    LedgerEntry,
)
from storage.clock import DEFAULT_TIMEZONE

_BATCH = 5000


@dataclass(frozen=True)
class Mismatch:
    """A domain row and the ledger disagree about one occurrence."""

    occurrence_id: int
    kind: str  # e.g. confirmation_without_event, status_without_evidence, note_changed
    detail: str

    def line(self) -> str:
        return f"occurrence {self.occurrence_id}: {self.kind}: {self.detail}"


def check_bindings(
    bind: Session | Engine | Connection, timezone: str = DEFAULT_TIMEZONE
) -> list[Mismatch]:
    """Every mismatch between the domain tables and the ledger, by occurrence."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return check_bindings(conn, timezone)
    conn = bind.connection() if isinstance(bind, Session) else bind
    tz = ZoneInfo(timezone)
    o, c, n, e = m.Occurrence, m.Confirmation, m.OccurrenceNote, LedgerEntry
    streams = {
        "occ": _rows(
            conn,
            select(
                o.id,
                o.routine_id,
                cast(o.scheduled_date, String),
                cast(o.due_date, String),
                o.status,
                o.closed_by,
            ).order_by(o.id),
        ),
        "conf": _rows(
            conn,
            select(c.occurrence_id, c.person_key, c.kind, c.note, c.created_at).order_by(
                c.occurrence_id, c.id
            ),
        ),
        "note": _rows(conn, select(n.occurrence_id, n.id, n.text).order_by(n.occurrence_id, n.id)),
        "event": _rows(
            conn,
            select(e.occurrence_id, e.event, e.person_key, e.payload)
            .where(
                e.occurrence_id.is_not(None),
                e.event.in_(
                    (
                        OCCURRENCE_CREATED,
                        CONFIRMATION_RECORDED,
                        OCCURRENCE_NOT_APPLICABLE,
                        NOTE_ADDED,
                        EVIDENCE_REDACTED,
                    )
                ),
            )
            .order_by(e.occurrence_id, e.seq),
        ),
    }
    found: list[Mismatch] = []
    for occurrence_id, groups in _merged(streams["occ"], streams["conf"], streams["note"],
                                         streams["event"]):  # fmt: skip
        found.extend(_check(occurrence_id, groups, tz))
    return found


def _rows(conn: Connection, stmt: Any) -> Iterator[tuple[Any, ...]]:
    """The statement's rows through the driver's own cursor (SQLAlchemy's per-row objects
    were a third of the check); a server-side cursor on PostgreSQL (constant memory)."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    if conn.dialect.name == "postgresql":
        cursor = dbapi.cursor(name=f"ledger_binding_{secrets.token_hex(4)}")
        cursor.itersize = _BATCH
        cursor.execute(str(compiled), params)
    else:
        cursor = dbapi.cursor()
        cursor.execute(str(compiled), [params[n] for n in compiled.positiontup or ()])
    try:
        while batch := cursor.fetchmany(_BATCH):
            yield from batch
    finally:
        cursor.close()


_NONE: list[Any] = []
_END = float("inf")


def _merged(*streams: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[list[Any]]]]:
    """Per occurrence id (ascending), each stream's rows for it (`_NONE` if it has none).

    Every stream is ordered by occurrence id; `groupby` (C) groups each one, and the
    lowest id among the streams' current groups is the next occurrence.
    """
    grouped = [groupby(stream, itemgetter(0)) for stream in streams]
    heads: list[Any] = [next(g, None) for g in grouped]
    keys = [_END if h is None else h[0] for h in heads]
    indices = range(len(grouped))
    while (low := min(keys)) != _END:
        groups = []
        for i in indices:
            if keys[i] == low:
                groups.append(list(heads[i][1]))
                head = heads[i] = next(grouped[i], None)
                keys[i] = _END if head is None else head[0]
            else:
                groups.append(_NONE)
        yield int(low), groups


def _check(occurrence_id: int, groups: list[list[Any]], tz: ZoneInfo) -> list[Mismatch]:
    """One occurrence's rows, `groups` = [occurrence, confirmations, notes, ledger events]."""
    out: list[Mismatch] = []

    def miss(kind: str, detail: str) -> None:
        out.append(Mismatch(occurrence_id, kind, detail))

    occ_rows, conf_rows, note_rows, event_rows = groups
    events = [(kind, person, payload) for _, kind, person, payload in event_rows]
    created = [payload for kind, _, payload in events if kind == OCCURRENCE_CREATED]
    occurrence = occ_rows[0] if occ_rows else None
    if occurrence is None:
        if created:
            miss("event_without_occurrence", "the ledger created it; the row is gone")
        return out
    _, routine_id, scheduled, due_text, status, closed_by = occurrence
    if not created:
        miss("occurrence_without_event", "no occurrence.created entry in the ledger")
    elif (
        f'"routine_id":"{routine_id}"' not in created[0]
        or (
            '"scheduled_date":' in created[0]
            and f'"scheduled_date":"{scheduled}"' not in created[0]
        )
        or ('"due_date":' in created[0] and f'"due_date":"{due_text}"' not in created[0])
    ):
        data = json.loads(created[0]).get("data", {})  # the slow path names the field
        for name, stored in (("routine_id", routine_id), ("scheduled_date", scheduled),
                             ("due_date", due_text)):  # fmt: skip
            if name in data and str(data[name]) != str(stored):
                miss("occurrence_changed", f"{name} is {stored}, the ledger says {data[name]}")
    answers: dict[tuple[str, str], list[datetime]] = {}
    for kind, person, payload in events:
        if kind in (CONFIRMATION_RECORDED, OCCURRENCE_NOT_APPLICABLE):
            answer = m.CONFIRM if kind == CONFIRMATION_RECORDED else m.NA
            at = datetime.fromisoformat(payload[7 : payload.find('"', 7)])  # {"at":"…" first
            answers.setdefault((person, answer), []).append(at)
    rows = {(row[1], row[2]): row for row in conf_rows}
    for key, row in rows.items():
        times = answers.get(key)
        if not times:
            miss("confirmation_without_event", f"{key[1]} by {key[0]} has no ledger entry")
        elif _utc(row[4]) not in times:
            miss("confirmation_changed", f"{key[1]} by {key[0]}: its time differs from the ledger")
    for key in answers.keys() - rows.keys():
        miss("event_without_confirmation", f"the ledger records {key[1]} by {key[0]}; no row")
    # a kind with nothing to do closes its occurrence as not applicable when creating it
    skipped = bool(created) and '"skipped":true' in created[0]
    _check_status(status, closed_by, date.fromisoformat(due_text), answers, tz, miss, skipped)
    if not note_rows and len(events) == len(created) + sum(map(len, answers.values())):
        return out  # no note and no note.added entry: nothing more to compare
    notes = {row[1]: row[2] for row in note_rows}
    noted = {}
    for kind, _, payload in events:  # in ledger order: a redaction's digest replaces
        if kind == NOTE_ADDED:
            data = json.loads(payload).get("data", {})
            noted[data.get("note_id")] = data.get("note_sha256")
        elif kind == EVIDENCE_REDACTED:  # an erasure took an identity out of the text
            data = json.loads(payload).get("data", {})
            if data.get("what") == "note" and data.get("row") in noted:
                noted[data.get("row")] = data.get("sha256")
    for note_id, text in notes.items():
        if note_id not in noted:
            miss("note_without_event", f"note {note_id} has no ledger entry")
        elif noted[note_id] and noted[note_id] != _sha256(text):
            miss("note_changed", f"note {note_id}'s text differs from what the ledger recorded")
    for note_id in noted.keys() - notes.keys():
        miss("event_without_note", f"the ledger records note {note_id}; the row is gone")
    return out


def _check_status(
    status: str,
    closed_by: str | None,
    due: date,
    answers: dict[tuple[str, str], list[datetime]],
    tz: ZoneInfo,
    miss: Any,
    skipped: bool = False,
) -> None:
    confirmed = [t for (person, kind), times in answers.items() if kind == m.CONFIRM
                 and (closed_by is None or person == closed_by) for t in times]  # fmt: skip
    if status in (m.DONE, m.LATE):
        if not confirmed:
            miss("status_without_evidence", f"status {status}, but no confirmation in the ledger")
            return
        late = max(confirmed).astimezone(tz).date() > due
        if late != (status == m.LATE):
            miss("status_contradicts_ledger",
                 f"status {status}, but the ledger's confirmation was "
                 f"{'after' if late else 'on or before'} the due date {due}")  # fmt: skip
    elif status == m.NOT_APPLICABLE and not skipped and not any(k == m.NA for _, k in answers):
        miss("status_without_evidence", "status not_applicable, but no such entry in the ledger")


def _utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
