"""Which `report.exported` entry recorded a file: evidence checked after it left the bot.

Every export (CLI, chat, web, training and rights-request reports) appends
`report.exported` with the SHA-256 of exactly the bytes handed out. A file edited after
export (a CSV row, the HTML, an evidence package with its manifest recomputed) has another
SHA-256, so no entry names it: `gdpr-bot audit exported FILE` says so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from routines.ledger.chain import REPORT_EXPORTED, LedgerEntry


@dataclass(frozen=True)
class RecordedExport:
    seq: int
    at: str  # ISO time of the export, as the entry records it
    data: dict[str, Any]  # who, format, period, sha256, bytes, ...


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def recorded_exports(engine: Engine, sha256: str) -> list[RecordedExport]:
    """Every `report.exported` entry whose recorded SHA-256 is `sha256` (lower-case hex)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("a SHA-256 is 64 lower-case hex digits")
    e = LedgerEntry
    stmt = (  # the hex digest holds no LIKE wildcards; the JSON check below is exact
        select(e.seq, e.payload)
        .where(e.event == REPORT_EXPORTED, e.payload.like(f'%"sha256":"{sha256}"%'))
        .order_by(e.seq)
    )
    found = []
    with engine.connect() as conn:
        for seq, payload in conn.execute(stmt):
            try:
                body = json.loads(payload)
            except (TypeError, ValueError):
                continue  # not a payload the bot wrote; `audit verify` names it
            data = body.get("data") if isinstance(body, dict) else None
            if isinstance(data, dict) and data.get("sha256") == sha256:
                found.append(RecordedExport(int(seq), str(body.get("at", "")), data))
    return found
