"""The ledger's state at a glance, for the officers' overview page: head, last verify, last
witness, last seal.

`ledger_status(session)` reads only what is cheap (the head row and the newest seal,
verification and witness entries, by the event index), so the overview never walks the
chain. `gdpr-bot audit verify` appends `ledger.verified` when it found the chain intact,
`gdpr-bot audit witness` appends `ledger.witnessed` when it wrote the head to a witness
file; None means it never happened, which the page shows as "not recorded yet".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from routines.ledger.chain import (
    GENESIS_HASH,
    LEDGER_SEALED,
    LEDGER_VERIFIED,
    LEDGER_WITNESSED,
    LedgerEntry,
    LedgerHead,
)
from storage.clock import as_utc


@dataclass(frozen=True)
class Checkpoint:
    """A moment the chain was looked at: which entry was the head then, and when."""

    seq: int
    hash: str
    at: datetime | None


@dataclass(frozen=True)
class LedgerStatus:
    head: Checkpoint  # seq 0 and 64 zeros for an empty ledger
    last_verify: Checkpoint | None = None  # the newest intact `audit verify`, if any
    last_witness: Checkpoint | None = None  # the newest head written to a witness file
    # The head the newest weekly `ledger.sealed` entry posted out (and when).
    last_seal: Checkpoint | None = None


def ledger_status(session: Session) -> LedgerStatus:
    """The head (from the one-row head table) and the newest seal; two indexed reads."""
    row = session.execute(select(LedgerHead.seq, LedgerHead.hash).where(LedgerHead.id == 1)).first()
    seq, digest = (row.seq, row.hash) if row is not None else (0, GENESIS_HASH)
    if type(seq) is not int or type(digest) is not str:
        # edited outside the bot (`audit verify` names it): show the last entry instead
        # of failing the whole overview
        last = session.execute(
            select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)
        ).first()
        seq, digest = (int(last.seq), str(last.hash)) if last is not None else (0, GENESIS_HASH)
    head_at = None
    if seq:
        head_at = session.scalar(select(LedgerEntry.created_at).where(LedgerEntry.seq == seq))
        head_at = head_at if isinstance(head_at, datetime) else None
    return LedgerStatus(
        head=Checkpoint(seq, digest, as_utc(head_at) if head_at is not None else None),
        last_verify=_newest(session, LEDGER_VERIFIED),
        last_witness=_newest(session, LEDGER_WITNESSED),
        last_seal=_newest(session, LEDGER_SEALED),
    )


def _newest(session: Session, event: str) -> Checkpoint | None:
    """The head named by the newest entry of this kind (its data's seq and hash), and when."""
    # Every such entry's seq by the event index, the newest taken here: with ORDER BY seq
    # DESC LIMIT 1, SQLite walks the whole chain backwards when there are few or none.
    newest = max(session.scalars(select(LedgerEntry.seq).where(LedgerEntry.event == event)),
                 default=None)  # fmt: skip
    if newest is None:
        return None
    entry = session.get(LedgerEntry, newest)
    try:
        data = json.loads(entry.payload).get("data", {}) if entry is not None else {}
    except (TypeError, ValueError, AttributeError):  # not a payload the bot wrote
        return None
    if entry is None or not isinstance(data, dict) or not isinstance(data.get("seq"), int):
        return None
    at = entry.created_at if isinstance(entry.created_at, datetime) else None
    return Checkpoint(data["seq"], str(data.get("hash", "")), as_utc(at) if at else None)
