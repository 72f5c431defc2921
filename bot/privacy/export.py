"""Access (Art. 15): a register extract (registerutdrag) of everything held about one person."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.privacy.lookup import require_people
from bot.records.questions import questions_of
from bot.records.references import ConversationRefRow
from bot.records.report_links import ReportDownload
from bot.records.web_access import web_access_of
from routines.engine.models import (
    Confirmation,
    Notification,
    Occurrence,
    OccurrenceAssignee,
    OccurrenceNote,
)
from routines.engine.training import attempts_of
from routines.ledger import LedgerEntry
from routines.requests.register import requests_of
from storage.clock import as_utc
from storage.people import Person

log = logging.getLogger(__name__)

# Person keys are uuid4().hex; anything that looks like one in a payload is someone's key.
_PERSON_KEY = re.compile(r"\b[0-9a-f]{32}\b")
OTHER_PERSON = "(another person)"
EXPORT_FORMAT = "gdpr-bot.registerutdrag.v1"


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def _references_of(session: Session, person: Person) -> list[dict[str, Any]]:
    """The person's stored conversation references, matched as `forget_person` matches them."""
    user_id = person.platform_user_id or ""
    rows = session.scalars(
        select(ConversationRefRow)
        .where(
            ConversationRefRow.platform == person.platform,
            ConversationRefRow.kind == "person",
            or_(
                func.lower(ConversationRefRow.ref_key) == user_id.lower(),
                ConversationRefRow.user_id == user_id,
            ),
        )
        .order_by(ConversationRefRow.id)
    )
    return [_row_dict(row) for row in rows]


def _row_dict(row: ConversationRefRow) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in ConversationRefRow.__table__.columns:
        value = getattr(row, column.key)
        if column.key == "reference" and isinstance(value, str):
            value = json.loads(value)
        elif isinstance(value, datetime):
            value = _iso(value)
        out[column.key] = value
    out.pop("id", None)
    return out


def _redact_others(value: Any, own_keys: set[str]) -> Any:
    """Replace every person key but the subject's own in a payload (nothing about others)."""
    if isinstance(value, str):
        return _PERSON_KEY.sub(
            lambda m: m.group(0) if m.group(0) in own_keys else OTHER_PERSON, value
        )
    if isinstance(value, list):
        return [_redact_others(v, own_keys) for v in value]
    if isinstance(value, dict):
        return {k: _redact_others(v, own_keys) for k, v in value.items()}
    return value


def _ledger_of(session: Session, key: str) -> list[LedgerEntry]:
    # The indexed column catches entries about the person; the payload search catches
    # entries that name them among others (e.g. a list of assignees).
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(or_(LedgerEntry.person_key == key, LedgerEntry.payload.contains(key)))
            .order_by(LedgerEntry.seq)
        )
    )


def _person_section(session: Session, person: Person) -> dict[str, Any]:
    key = person.person_key
    occ = Occurrence
    confirmations = session.execute(
        select(Confirmation, occ.routine_id, occ.due_date)
        .join(occ, occ.id == Confirmation.occurrence_id)
        .where(Confirmation.person_key == key)
        .order_by(Confirmation.id)
    ).all()
    notes = session.execute(
        select(OccurrenceNote, occ.routine_id)
        .join(occ, occ.id == OccurrenceNote.occurrence_id)
        .where(OccurrenceNote.person_key == key)
        .order_by(OccurrenceNote.id)
    ).all()
    assignments = session.execute(
        select(occ)
        .join(OccurrenceAssignee, OccurrenceAssignee.occurrence_id == occ.id)
        .where(OccurrenceAssignee.person_key == key)
        .order_by(occ.id)
    ).scalars()
    closed = session.scalars(select(occ).where(occ.closed_by == key).order_by(occ.id))
    notifications = session.scalars(
        select(Notification)
        .where(Notification.recipient_kind == "person", Notification.recipient_address == key)
        .order_by(Notification.id)
    )
    return {
        "person": {
            "person_key": key,
            "platform": person.platform,
            "platform_user_id": person.platform_user_id,
            "display_name": person.display_name,
            "email": person.email,
            "created_at": _iso(person.created_at),
            "last_seen_at": _iso(person.last_seen_at),
        },
        "conversation_references": _references_of(session, person),
        "web_access": web_access_of(session, key),
        "training_attempts": attempts_of(session, key),
        "report_downloads": [
            {
                "filename": d.filename,
                "created_at": _iso(d.created_at),
                "expires_at": _iso(d.expires_at),
                "downloaded": not d.content,
            }
            for d in session.scalars(
                select(ReportDownload)
                .where(ReportDownload.person_key == key)
                .order_by(ReportDownload.created_at)
            )
        ],
        "rights_requests": requests_of(session, key),
        "routine_assignments": [
            {
                "occurrence_id": o.id,
                "routine_id": o.routine_id,
                "scheduled_date": o.scheduled_date.isoformat(),
                "due_date": o.due_date.isoformat(),
                "status": o.status,
            }
            for o in assignments
        ],
        "confirmations": [
            {
                "occurrence_id": c.occurrence_id,
                "routine_id": routine_id,
                "due_date": due.isoformat(),
                "kind": c.kind,
                "note": c.note,
                "confirmed_at": _iso(c.created_at),
            }
            for c, routine_id, due in confirmations
        ],
        "notes": [
            {
                "occurrence_id": n.occurrence_id,
                "routine_id": routine_id,
                "text": n.text,
                "created_at": _iso(n.created_at),
            }
            for n, routine_id in notes
        ],
        "occurrences_closed": [
            {
                "occurrence_id": o.id,
                "routine_id": o.routine_id,
                "status": o.status,
                "closed_at": _iso(o.closed_at),
                "reason": o.reason,
            }
            for o in closed
        ],
        "notifications": [
            {
                "occurrence_id": n.occurrence_id,
                "kind": n.kind,
                "platform": n.recipient_platform,
                "status": n.status,
                "not_before": _iso(n.not_before),
                "sent_at": _iso(n.sent_at),
            }
            for n in notifications
        ],
        "ledger_entries": [
            {
                "seq": e.seq,
                "event": e.event,
                "created_at": _iso(e.created_at),
                "hash": e.hash,
                "payload": _redact_others(json.loads(e.payload), {key}),
            }
            for e in _ledger_of(session, key)
        ],
        "questions": [
            {
                "asked_at": _iso(q.asked_at),
                "lang": q.lang,
                "text": q.text,
                "answered": q.answered,
                "article_id": q.article_id,
                "votes": {"up": q.up_votes, "down": q.down_votes},
            }
            for q in questions_of(session, key)
        ],
    }


def export_person(session: Session, who: str, *, now: datetime) -> dict[str, Any]:
    """A register extract (registerutdrag) for one person; raises PersonNotFound."""
    people = require_people(session, who)
    log.info("privacy export", extra={"person_keys": [p.person_key for p in people]})
    return {
        "format": EXPORT_FORMAT,
        "generated_at": _iso(now),
        "controller_note": (
            "Allt gdpr-bot lagrar om personen. Anonyma frågor i frågeloggen är inte "
            "kopplade till någon person och kan därför inte lämnas ut. / Everything "
            "gdpr-bot stores about the person. Anonymous question-log entries are not "
            "linked to anyone and so cannot be included."
        ),
        "identities": [_person_section(session, p) for p in people],
    }
