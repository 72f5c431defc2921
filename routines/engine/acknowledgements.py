"""Confirm, not applicable, add a note: who may, what it changes, what it returns.

Each use case runs inside the caller's transaction, takes `now`, and returns an `Outcome`
value the chat can turn into a reply. A double click (or a retried interaction arriving
at another replica) hits the unique key on (occurrence, person) and is recorded once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routines import ledger
from routines.engine.models import (
    CONFIRM,
    DONE,
    LATE,
    MISSED,
    NA,
    NOT_APPLICABLE,
    OPEN,
    Confirmation,
    Occurrence,
    OccurrenceAssignee,
)
from routines.schedule.rules import local_date
from storage.clock import DEFAULT_TIMEZONE, as_utc
from storage.inserts import insert_once
from storage.people import Person, person_key_for

MAX_NOTE_CHARS = 2000

Result = Literal[
    "confirmed",  # recorded; others still have to confirm (confirm: all)
    "completed",  # recorded and the occurrence is now done (or late)
    "not_applicable",  # recorded and the occurrence is closed as not applicable
    "noted",  # note added
    "already",  # this person had already answered: nothing new recorded
    "closed",  # someone else closed it already
    "not_assignee",  # this person may not confirm it
    "not_found",
    "needs_evidence",  # evidence: required and no note given
    "needs_reason",  # not applicable without a reason
    "needs_quiz",  # a training campaign is confirmed by passing its quiz, not by a click
    "not_posted",  # its posting day has not come: nothing to confirm yet
    "needs_officer",  # not applicable after the due date: only a compliance officer
]

# Stored with the reason (occurrence, the ledger entry's digest, every report) when a
# compliance officer marks an occurrence not applicable after its due date, so no report
# shows it as routine.
AFTER_DUE_MARK = (
    "[efter förfallodagen, av compliance officer / after the due date, by a compliance officer] "
)


@dataclass(frozen=True)
class Actor:
    """Who clicked, as the platform tells us (turned into a person_key here)."""

    platform: str
    user_id: str
    display_name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Outcome:
    result: Result
    occurrence_id: int
    routine_id: str = ""
    status: str = ""  # the occurrence's status afterwards
    person_key: str | None = None
    at: datetime | None = None  # when it was recorded (the first time, for `already`)
    remaining: int = 0  # assignees still to confirm
    reason: str = ""
    kind: str = CONFIRM  # what `already` refers to: confirm | not_applicable
    who: str | None = None  # the recorder's name for the reply, when already read

    @property
    def recorded(self) -> bool:
        return self.result in {"confirmed", "completed", "not_applicable", "noted", "already"}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_note(text: str | None) -> str:
    return (text or "").strip()[:MAX_NOTE_CHARS]


def _load(session: Session, occurrence_id: int, locked: bool = False) -> Occurrence | None:
    # Lock the occurrence so "all assignees confirmed" is decided by one transaction
    # (`locked`: the caller locked it already, and it is in the session).
    if locked:
        return session.get(Occurrence, occurrence_id)
    return session.get(Occurrence, occurrence_id, with_for_update=True)


def assignee_key(
    session: Session, occurrence: Occurrence, person_key: str, email: str | None
) -> str | None:
    """The key to record the actor under, or None if they are not an assignee.

    An assignee named by e-mail may click from a platform account we had not seen yet:
    the e-mail the platform's directory reports links the two (the bot passes it only for
    platforms whose directory verifies addresses: Slack, not Teams' `mail`).
    """
    if occurrence.anyone_in_channel:
        return person_key
    keys = set(
        session.scalars(
            select(OccurrenceAssignee.person_key).where(
                OccurrenceAssignee.occurrence_id == occurrence.id
            )
        )
    )
    if person_key in keys:
        return person_key
    # Only the address the caller vouches for (a platform directory's, see Actor): never
    # one merely stored earlier from a profile.
    emails = {email.lower()} if email else set()
    if not emails or not keys:
        return None
    return session.scalar(
        select(Person.person_key).where(
            Person.person_key.in_(keys), func.lower(Person.email).in_(emails)
        )
    )


def _remaining(session: Session, occurrence: Occurrence) -> int:
    if occurrence.anyone_in_channel or occurrence.confirm_mode != "all":
        return 0
    confirmed = select(Confirmation.person_key).where(Confirmation.occurrence_id == occurrence.id)
    return len(
        session.scalars(
            select(OccurrenceAssignee.person_key).where(
                OccurrenceAssignee.occurrence_id == occurrence.id,
                OccurrenceAssignee.person_key.not_in(confirmed),
            )
        ).all()
    )


# Every answer to some occurrences, read at once by a caller deciding many clicks (a group):
# (occurrence id, person key) -> the answer. An occurrence of theirs with no entry has none.
Answers = Mapping[tuple[int, str], Confirmation]


def _existing(
    session: Session, occurrence_id: int, key: str, answers: Answers | None = None
) -> Confirmation | None:
    if answers is not None:
        return answers.get((occurrence_id, key))
    return session.scalar(
        select(Confirmation).where(
            Confirmation.occurrence_id == occurrence_id, Confirmation.person_key == key
        )
    )


def _gate(
    session: Session,
    occurrence_id: int,
    actor: Actor,
    now: datetime,
    key: str | None = None,
    locked: bool = False,
) -> Outcome | tuple[Occurrence, str]:
    """Common checks: the occurrence exists and the actor is one of its assignees.
    `key`: the actor's person key, when the caller resolved it already; `locked`: the
    caller locked the occurrence (SELECT ... FOR UPDATE) in this session already."""
    now = as_utc(now)
    occurrence = _load(session, occurrence_id, locked)
    if occurrence is None:
        return Outcome("not_found", occurrence_id)
    key = key or person_key_for(
        session, actor.platform, actor.user_id, now,
        display_name=actor.display_name, email=actor.email,
    )  # fmt: skip
    matched = assignee_key(session, occurrence, key, actor.email)
    if matched is None:
        return Outcome("not_assignee", occurrence.id, occurrence.routine_id,
                       occurrence.status, key)  # fmt: skip
    return occurrence, matched


gate = _gate  # the same checks for the quiz of a training campaign (engine/training.py)


def has_answered(session: Session, occurrence_id: int, key: str) -> bool:
    return _existing(session, occurrence_id, key) is not None


def _decidable(
    session: Session,
    occurrence_id: int,
    actor: Actor,
    now: datetime,
    key: str | None = None,
    locked: bool = False,
    answers: Answers | None = None,
) -> Outcome | tuple[Occurrence, str]:
    """The gate, then: this person's earlier answer stands, and a closed occurrence takes none."""
    gate = _gate(session, occurrence_id, actor, now, key, locked)
    if isinstance(gate, Outcome):
        return gate
    occurrence, key = gate
    existing = _existing(session, occurrence.id, key, answers)
    if existing is not None:
        return _answered(occurrence, existing)
    if occurrence.status not in (OPEN, MISSED):
        return Outcome("closed", occurrence.id, occurrence.routine_id, occurrence.status, key)
    return occurrence, key


def _lost(session: Session, occurrence: Occurrence, key: str) -> Outcome:
    """A concurrent double click's row won the insert: answer with that one."""
    existing = _existing(session, occurrence.id, key)
    assert existing is not None
    return _answered(occurrence, existing)


def _close(occurrence: Occurrence, status: str, key: str, now: datetime) -> None:
    occurrence.status = status
    occurrence.closed_at = now
    occurrence.closed_by = key


def _answered(occurrence: Occurrence, existing: Confirmation) -> Outcome:
    return Outcome(
        "already", occurrence.id, occurrence.routine_id, occurrence.status,
        existing.person_key, as_utc(existing.created_at), kind=existing.kind,
        reason=existing.note or "",
    )  # fmt: skip


@dataclass(frozen=True)
class Decided:
    """A confirmation that passed every check and is not inserted yet: its row's values."""

    occurrence: Occurrence
    key: str
    values: dict[str, Any]
    timezone: str


def decide(
    session: Session,
    occurrence_id: int,
    actor: Actor,
    now: datetime,
    *,
    note: str | None = None,
    evidence: str = "none",
    timezone: str = DEFAULT_TIMEZONE,
    key: str | None = None,
    locked: bool = False,
    answers: Answers | None = None,
) -> Outcome | Decided:
    """`confirm` up to its insert: the outcome that records nothing, or the row to insert.
    For a caller inserting many clicks' rows in one statement (then `record` each)."""
    now = as_utc(now)
    decidable = _decidable(session, occurrence_id, actor, now, key, locked, answers)
    if isinstance(decidable, Outcome):
        return decidable
    occurrence, key = decidable
    if local_date(now, timezone) < occurrence.post_date:
        return Outcome("not_posted", occurrence.id, occurrence.routine_id, occurrence.status, key)
    text = clean_note(note)
    if evidence == "required" and not text:
        return Outcome("needs_evidence", occurrence.id, occurrence.routine_id,
                       occurrence.status, key)  # fmt: skip
    values = {"occurrence_id": occurrence.id, "person_key": key, "kind": CONFIRM,
              "note": text or None, "created_at": now}  # fmt: skip
    return Decided(occurrence, key, values, timezone)


def record(
    session: Session,
    decided: Decided,
    inserted: bool,
    deferred: list[tuple[str, dict[str, Any], datetime]] | None = None,
) -> Outcome:
    """`confirm` after its insert (`inserted`: False when a concurrent click's row won)."""
    occurrence, key, now = decided.occurrence, decided.key, decided.values["created_at"]
    if not inserted:
        return _lost(session, occurrence, key)
    data = {"occurrence_id": occurrence.id, "routine_id": occurrence.routine_id,
            "person_key": key}  # fmt: skip
    if decided.values["note"]:
        data["note_sha256"] = digest(decided.values["note"])
    if deferred is None:
        ledger.append_event(session, ledger.CONFIRMATION_RECORDED, data, now)
    else:
        deferred.append((ledger.CONFIRMATION_RECORDED, data, now))
    remaining = _remaining(session, occurrence)
    if remaining:
        return Outcome("confirmed", occurrence.id, occurrence.routine_id, occurrence.status,
                       key, now, remaining)  # fmt: skip
    on_time = local_date(now, decided.timezone) <= occurrence.due_date
    _close(occurrence, DONE if on_time else LATE, key, now)
    return Outcome("completed", occurrence.id, occurrence.routine_id, occurrence.status, key, now)


def confirm(
    session: Session,
    occurrence_id: int,
    actor: Actor,
    now: datetime,
    *,
    note: str | None = None,
    evidence: str = "none",
    timezone: str = DEFAULT_TIMEZONE,
    key: str | None = None,
    locked: bool = False,
    deferred: list[tuple[str, dict[str, Any], datetime]] | None = None,
    answers: Answers | None = None,
) -> Outcome:
    """Record the actor's confirmation. `key`: their person key, if resolved already;
    `locked`: the occurrence is locked and loaded in `session` already; `deferred`: collect
    the ledger entry there, for a caller appending a group's entries at its end (one head
    lock); `answers`: every answer to the occurrence, read after locking it."""
    decided = decide(session, occurrence_id, actor, now, note=note, evidence=evidence,
                     timezone=timezone, key=key, locked=locked, answers=answers)  # fmt: skip
    if isinstance(decided, Outcome):
        return decided
    inserted = insert_once(session, Confirmation, decided.values) is not None
    return record(session, decided, inserted, deferred)


def not_applicable(
    session: Session,
    occurrence_id: int,
    actor: Actor,
    reason: str | None,
    now: datetime,
    *,
    officer: bool = False,
    timezone: str = DEFAULT_TIMEZONE,
) -> Outcome:
    """Close the occurrence as not applicable; a reason is required (it is evidence).
    After the due date (or once missed) only a compliance officer (`officer`, decided by
    the caller's policy) may, and the reason then carries AFTER_DUE_MARK."""
    now = as_utc(now)
    decidable = _decidable(session, occurrence_id, actor, now)
    if isinstance(decidable, Outcome):
        return decidable
    occurrence, key = decidable
    text = clean_note(reason)
    if not text:
        return Outcome("needs_reason", occurrence.id, occurrence.routine_id,
                       occurrence.status, key)  # fmt: skip
    after_due = occurrence.status == MISSED or local_date(now, timezone) > occurrence.due_date
    if after_due and not officer:
        return Outcome("needs_officer", occurrence.id, occurrence.routine_id,
                       occurrence.status, key)  # fmt: skip
    if after_due:
        text = (AFTER_DUE_MARK + text)[:MAX_NOTE_CHARS]
    values = {"occurrence_id": occurrence.id, "person_key": key, "kind": NA,
              "note": text, "created_at": now}  # fmt: skip
    if insert_once(session, Confirmation, values) is None:
        return _lost(session, occurrence, key)
    ledger.append_event(
        session,
        ledger.OCCURRENCE_NOT_APPLICABLE,
        {"occurrence_id": occurrence.id, "routine_id": occurrence.routine_id,
         "person_key": key, "reason_sha256": digest(text)},
        now,
    )  # fmt: skip
    occurrence.reason = text
    _close(occurrence, NOT_APPLICABLE, key, now)
    return Outcome("not_applicable", occurrence.id, occurrence.routine_id, NOT_APPLICABLE,
                   key, now, reason=text)  # fmt: skip
