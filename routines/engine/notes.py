"""A note or evidence link on an occurrence: not an answer, so also after it closed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from routines import ledger
from routines.engine.acknowledgements import Actor, Outcome, clean_note, digest, gate
from routines.engine.models import OccurrenceNote
from storage.clock import as_utc


def add_note(
    session: Session, occurrence_id: int, actor: Actor, text: str | None, now: datetime
) -> Outcome:
    """Attach a note or evidence link (also after the occurrence is closed)."""
    now = as_utc(now)
    checked = gate(session, occurrence_id, actor, now)
    if isinstance(checked, Outcome):
        return checked
    occurrence, key = checked
    body = clean_note(text)
    if not body:
        return Outcome("needs_evidence", occurrence.id, occurrence.routine_id,
                       occurrence.status, key)  # fmt: skip
    note = OccurrenceNote(occurrence_id=occurrence.id, person_key=key, text=body, created_at=now)
    session.add(note)
    session.flush()
    ledger.append_event(
        session,
        ledger.NOTE_ADDED,
        {"occurrence_id": occurrence.id, "routine_id": occurrence.routine_id,
         "person_key": key, "note_id": note.id, "note_sha256": digest(body)},
        now,
    )  # fmt: skip
    return Outcome("noted", occurrence.id, occurrence.routine_id, occurrence.status, key, now)
