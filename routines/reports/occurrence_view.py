"""Occurrences for the web pages: filtered lists, one occurrence with its history and
evidence, and one ledger entry, each tied to the ledger entries that prove it.

The history of an occurrence is read from the ledger (entries carry an indexed
`occurrence_id`), not from the tables: what the page shows as "posted", "reminded",
"escalated", "confirmed" is exactly what the chain holds, with each entry's seq and hash.
Confirmation notes and added notes are matched to their entries, and the note text in
the table is checked against the SHA-256 the entry recorded, so a changed row shows.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routines.engine import models as m
from routines.ledger.chain import (
    CONFIRMATION_RECORDED,
    EVIDENCE_REDACTED,
    NOTE_ADDED,
    OCCURRENCE_NOT_APPLICABLE,
    LedgerEntry,
)
from routines.ledger.keys import current_keys
from routines.reports.adherence import (
    ERASED,
    Outcome,
    Period,
    RoutineInfo,
    outcome_of,
    outcome_sql,
)
from routines.reports.evidence_match import matches_ledger
from storage.clock import as_utc
from storage.people import Person


@dataclass(frozen=True)
class EntryRef:
    seq: int
    hash: str


@dataclass(frozen=True)
class OccurrenceRow:
    occurrence_id: int
    routine_id: str
    title: str
    team: str
    scheduled_date: date
    due_date: date
    outcome: Outcome
    closed_at: str  # local "2027-01-05 10:12", "" while open


@dataclass(frozen=True)
class OccurrencePage:
    rows: tuple[OccurrenceRow, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class Assignee:
    name: str
    platform: str
    answered: str  # confirm | not_applicable | "" (not yet)


@dataclass(frozen=True)
class Evidence:
    """A confirmation, a not-applicable reason or an added note, with its ledger entry."""

    kind: str  # confirm | not_applicable | note
    who: str
    at: str  # local time
    text: str
    entry: EntryRef | None
    matches_ledger: bool | None  # the text's SHA-256 equals the entry's; None: nothing to check


@dataclass(frozen=True)
class HistoryItem:
    event: str  # the ledger event kind
    kind: str  # for posts: post | reminder | rereminder | escalation ("" otherwise)
    at: str  # local time
    who: str  # the person it names, if any (by name; erased people as such)
    detail: str  # e.g. the platform and channel a post went to
    entry: EntryRef


@dataclass(frozen=True)
class OccurrenceDetail:
    occurrence_id: int
    routine_id: str
    title: str
    team: str
    scheduled_date: date
    post_date: date
    due_date: date
    status: str
    outcome: Outcome
    confirm_mode: str
    anyone_in_channel: bool
    created_late: bool
    closed_at: str
    closed_by: str
    assignees: tuple[Assignee, ...]
    evidence: tuple[Evidence, ...]
    history: tuple[HistoryItem, ...]


@dataclass(frozen=True)
class EntryView:
    seq: int
    event: str
    at: str
    payload: str  # pretty-printed JSON
    prev_hash: str
    hash: str
    hash_ok: bool  # SHA-256(prev_hash + payload) equals the stored hash
    links_ok: bool | None  # the previous entry's hash equals prev_hash (None for the first)
    occurrence_id: int | None
    person_key: str | None


class Clock:
    """Stored moments shown in the installation's time zone."""

    def __init__(self, timezone: str) -> None:
        self._tz = ZoneInfo(timezone)

    def local(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return as_utc(moment).astimezone(self._tz).isoformat(" ", "minutes")[:16]


def list_occurrences(
    session: Session,
    *,
    today: date,
    infos: Mapping[str, RoutineInfo],
    clock: Clock,
    routines: Collection[str] | None,
    period: Period | None,
    outcome: str | None,
    overdue: bool = False,
    limit: int,
    offset: int,
) -> OccurrencePage:
    """Newest first; `outcome` filters by the report's outcome (on_time, late, ...),
    `overdue` to the occurrences still open after their due date."""
    o = m.Occurrence
    verdict = outcome_sql(today)
    where: list[Any] = []
    if routines is not None:
        where.append(o.routine_id.in_(sorted(routines)))
    if period is not None:
        where += [o.scheduled_date >= period.start, o.scheduled_date <= period.end]
    if outcome:
        where.append(verdict == outcome)
    if overdue:
        where += [o.status == m.OPEN, o.due_date < today]
    total = session.scalar(select(func.count()).select_from(o).where(*where)) or 0
    rows = session.execute(
        select(o.id, o.routine_id, o.scheduled_date, o.due_date, verdict, o.closed_at)
        .where(*where)
        .order_by(o.scheduled_date.desc(), o.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return OccurrencePage(
        tuple(
            OccurrenceRow(
                oid,
                rid,
                _info(infos, rid).title,
                _info(infos, rid).team,
                scheduled,
                due,
                label,
                clock.local(closed),
            )
            for oid, rid, scheduled, due, label, closed in rows
        ),
        int(total),
        offset,
        limit,
    )


def routine_of(session: Session, occurrence_id: int) -> str | None:
    return session.scalar(select(m.Occurrence.routine_id).where(m.Occurrence.id == occurrence_id))


def occurrence_detail(
    session: Session,
    occurrence_id: int,
    *,
    today: date,
    infos: Mapping[str, RoutineInfo],
    clock: Clock,
    lang: str,
) -> OccurrenceDetail | None:
    occurrence = session.get(m.Occurrence, occurrence_id)
    if occurrence is None:
        return None
    assignees = session.execute(
        select(m.OccurrenceAssignee.person_key, m.OccurrenceAssignee.platform)
        .where(m.OccurrenceAssignee.occurrence_id == occurrence_id)
        .order_by(m.OccurrenceAssignee.id)
    ).all()
    answers = session.scalars(
        select(m.Confirmation)
        .where(m.Confirmation.occurrence_id == occurrence_id)
        .order_by(m.Confirmation.created_at, m.Confirmation.id)
    ).all()
    notes = session.scalars(
        select(m.OccurrenceNote)
        .where(m.OccurrenceNote.occurrence_id == occurrence_id)
        .order_by(m.OccurrenceNote.created_at, m.OccurrenceNote.id)
    ).all()
    entries = session.execute(
        select(LedgerEntry.seq, LedgerEntry.event, LedgerEntry.created_at, LedgerEntry.person_key,
               LedgerEntry.hash, LedgerEntry.payload)
        .where(LedgerEntry.occurrence_id == occurrence_id)
        .order_by(LedgerEntry.seq)
    ).all()  # fmt: skip
    data = {seq: json.loads(payload).get("data", {}) for seq, *_, payload in entries}
    recipients = _person_recipients(session, data.values())
    keys = {a.person_key for a in assignees} | {a.person_key for a in answers}
    keys |= {n.person_key for n in notes} | {e.person_key for e in entries if e.person_key}
    keys |= set(recipients.values())
    if occurrence.closed_by:
        keys.add(occurrence.closed_by)
    names = _names(session, keys, lang)
    # An erasure that took an identity out of a text recorded the new text's digest.
    redacted = {(d.get("what"), d.get("row")): d.get("sha256") for seq, kind, *_ in entries
                if kind == EVIDENCE_REDACTED and (d := data[seq])}  # fmt: skip

    def entry_of(event: str, key: str, note_id: int | None = None) -> tuple[EntryRef, Any] | None:
        for seq, kind, _, person_key, digest, _ in entries:
            if kind == event and person_key == key and data[seq].get("note_id") == note_id:
                return EntryRef(seq, digest), data[seq]
        return None

    evidence: list[Evidence] = []
    for answer in answers:
        event = CONFIRMATION_RECORDED if answer.kind == m.CONFIRM else OCCURRENCE_NOT_APPLICABLE
        found = entry_of(event, answer.person_key)
        evidence.append(
            Evidence(
                answer.kind, names.get(answer.person_key, ""), clock.local(answer.created_at),
                answer.note or "", found[0] if found else None,
                matches_ledger(answer.note, found[1] if found else None, answer.kind,
                               redacted.get(("confirmation", answer.id))),
            )
        )  # fmt: skip
    for note in notes:
        found = entry_of(NOTE_ADDED, note.person_key, note.id)
        evidence.append(
            Evidence(
                "note", names.get(note.person_key, ""), clock.local(note.created_at), note.text,
                found[0] if found else None,
                matches_ledger(note.text, found[1] if found else None, "note",
                               redacted.get(("note", note.id))),
            )
        )  # fmt: skip
    answered = {a.person_key: a.kind for a in answers}
    info = _info(infos, occurrence.routine_id)
    return OccurrenceDetail(
        occurrence_id=occurrence.id,
        routine_id=occurrence.routine_id,
        title=info.title,
        team=info.team,
        scheduled_date=occurrence.scheduled_date,
        post_date=occurrence.post_date,
        due_date=occurrence.due_date,
        status=occurrence.status,
        outcome=outcome_of(occurrence.status, occurrence.due_date, today),
        confirm_mode=occurrence.confirm_mode,
        anyone_in_channel=occurrence.anyone_in_channel,
        created_late=occurrence.created_late,
        closed_at=clock.local(occurrence.closed_at),
        closed_by=names.get(occurrence.closed_by or "", ""),
        assignees=tuple(
            Assignee(names.get(key, ""), platform, answered.get(key, ""))
            for key, platform in assignees
        ),
        evidence=tuple(evidence),
        history=tuple(
            HistoryItem(
                event,
                str(data[seq].get("kind") or ""),
                clock.local(at),
                names.get(person_key or recipients.get(data[seq].get("notification_id"), ""), ""),
                _detail(data[seq]),
                EntryRef(seq, digest),
            )
            for seq, event, at, person_key, digest, _ in entries
        ),
    )


def ledger_entry(session: Session, seq: int, clock: Clock) -> EntryView | None:
    entry = session.get(LedgerEntry, seq)
    if entry is None:
        return None
    previous = session.scalar(select(LedgerEntry.hash).where(LedgerEntry.seq == seq - 1))
    try:
        pretty = json.dumps(json.loads(entry.payload), ensure_ascii=False, indent=2)
    except ValueError:
        pretty = entry.payload
    return EntryView(
        seq=entry.seq,
        event=entry.event,
        at=clock.local(entry.created_at),
        payload=pretty,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
        hash_ok=_hash_ok(entry),
        links_ok=None if seq == 1 or previous is None else previous == entry.prev_hash,
        occurrence_id=entry.occurrence_id,
        person_key=entry.person_key,
    )


def _hash_ok(entry: LedgerEntry) -> bool:
    """The entry's hash recomputed as `audit verify` does: HMAC with the ledger key that
    made it (SHA-256 for an entry made without one); a key the bot lacks fails, as there."""
    prev, payload = entry.prev_hash, entry.payload
    if not (isinstance(prev, str) and isinstance(payload, str)):
        return False  # a NULL or a BLOB stored in its place (SQLite keeps any type)
    return current_keys().digest(entry.key_id, prev, payload) == entry.hash


def _info(infos: Mapping[str, RoutineInfo], routine_id: str) -> RoutineInfo:
    return infos.get(routine_id) or RoutineInfo(routine_id)


def _detail(data: Mapping[str, Any]) -> str:
    """`slack · C0123` for a post to a channel; `slack` for one to a person."""
    platform = str(data.get("platform") or "")
    recipient = str(data.get("recipient") or "")
    if recipient and recipient != "person":
        return f"{platform} · {recipient}" if platform else recipient
    return platform


def _person_recipients(session: Session, payloads: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """notification id -> the person key it went to (reminders and escalations to people)."""
    ids = {
        int(d["notification_id"])
        for d in payloads
        if d.get("recipient") == "person" and isinstance(d.get("notification_id"), int)
    }
    if not ids:
        return {}
    rows = session.execute(
        select(m.Notification.id, m.Notification.recipient_address).where(
            m.Notification.id.in_(sorted(ids)), m.Notification.recipient_kind == "person"
        )
    )
    return {int(i): str(address) for i, address in rows}


def _names(session: Session, keys: Collection[str], lang: str) -> dict[str, str]:
    if not keys:
        return {}
    erased = ERASED.get(lang, ERASED["en"])
    rows = session.execute(
        select(Person.person_key, Person.display_name, Person.platform_user_id, Person.erased_at)
        .where(Person.person_key.in_(sorted(keys)))
    )  # fmt: skip
    return {
        key: erased if erased_at is not None else (name or platform_id or key)
        for key, name, platform_id, erased_at in rows
    }
