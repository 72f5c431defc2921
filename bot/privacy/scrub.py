"""Erasure reaches into free text: the person's name, e-mail address and platform ids out
of what anyone wrote that the bot keeps (routine notes, confirmation notes and
not-applicable reasons, the question log, a rights request's ticket reference).

The texts themselves stay (they are evidence, or anonymous); only the identity in them
is replaced by `ERASED_MARK`. A note and a confirmation note are bound to the ledger by
their SHA-256, so each one changed gets an `evidence.redacted` ledger entry with the new
text's digest: `audit verify` and the occurrence view then match the redacted text, and
the ledger shows when an erasure changed which evidence text (never what it said).

Matching ignores case and starts at a word boundary (`Anna` in "Hanna" stays, "Annas"
becomes "[raderad/erased]s"); the name is the one the platform gave, so a first name
alone also goes out of texts about someone else of that name. Over-redaction is accepted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.records.questions import QuestionRecord
from routines.engine.models import Confirmation, Occurrence, OccurrenceNote
from routines.ledger import EVIDENCE_REDACTED, append_event
from routines.requests.models import RightsRequest

ERASED_MARK = "[raderad/erased]"
MIN_CHARS = 3  # shorter names or ids would take ordinary words with them

# (model, text column, what the ledger calls it: None when no ledger entry binds it)
_TEXTS: tuple[tuple[Any, str, str | None], ...] = (
    (OccurrenceNote, "text", "note"),
    (Confirmation, "note", "confirmation"),
    (Occurrence, "reason", None),
    (QuestionRecord, "text", None),
    (RightsRequest, "client_ref", None),
)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scrub_identity(session: Session, needles: Iterable[str], now: datetime) -> int:
    """Replace `needles` (name, e-mail, platform ids) in every kept text; how many changed."""
    words = sorted({n.strip() for n in needles if len(n.strip()) >= MIN_CHARS}, key=len)[::-1]
    if not words:
        return 0
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(w)}" for w in words), re.IGNORECASE)
    changed = 0
    for model, name, what in _TEXTS:
        column = getattr(model, name)
        limit = getattr(column.type, "length", None)
        # lower() of SQLite folds ASCII only: the exact spelling is searched for as well
        found = or_(
            *(column.contains(w, autoescape=True) for w in words),
            *(func.lower(column).contains(w.lower(), autoescape=True) for w in words),
        )
        for row in session.scalars(select(model).where(found).order_by(model.id)):
            old = getattr(row, name)
            new = pattern.sub(ERASED_MARK, old)[:limit]
            if new == old:
                continue
            setattr(row, name, new)
            changed += 1
            if what is not None:
                append_event(
                    session,
                    EVIDENCE_REDACTED,
                    {"occurrence_id": row.occurrence_id, "what": what, "row": row.id,
                     "sha256": _digest(new)},
                    now,
                )  # fmt: skip
    session.flush()
    return changed
