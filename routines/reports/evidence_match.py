"""Whether a routine text (a note, a confirmation's note, a not-applicable reason) is
still what the ledger recorded for it: the occurrence view's tamper mark."""

from __future__ import annotations

import hashlib
from typing import Any

from routines.engine import models as m


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def matches_ledger(
    text: str | None, data: Any, kind: str = "note", since: str | None = None
) -> bool | None:
    """Whether the table's text is what the ledger entry `data` recorded (its SHA-256, or
    the reason itself in entries written before reasons became a digest), or, `since`,
    the digest an erasure's later `evidence.redacted` entry recorded. None: nothing to
    compare."""
    if data is None or not text:
        return None
    if since is not None:
        return _sha256(text) == since
    if kind == m.NA and "reason" in data:
        return bool(data.get("reason") == text)
    recorded = data.get("reason_sha256" if kind == m.NA else "note_sha256")
    if recorded is None:
        return False  # text in the table, none in the evidence: added afterwards
    return _sha256(text) == recorded
