"""The ledger's state at a glance, for the officers' overview page: head, last verify, last
witness, last seal.

`ledger_status(session)` reads only what is cheap (the head row, the newest seal entry),
so the overview never walks the chain. What a verification or a witness leaves behind is
not recorded yet (`audit verify --witness` and recorded verifications arrive with the
HMAC-keyed ledger): until then `last_verify` and `last_witness` are None, which the page
shows as "not recorded yet". Connect them here, in one place, when they exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from routines.ledger.chain import GENESIS_HASH, LEDGER_SEALED, LedgerEntry, LedgerHead
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
    last_verify: Checkpoint | None = None  # not recorded yet
    last_witness: Checkpoint | None = None  # not recorded yet
    # The head the newest weekly `ledger.sealed` entry posted out (and when).
    last_seal: Checkpoint | None = None


def ledger_status(session: Session) -> LedgerStatus:
    """The head (from the one-row head table) and the newest seal; two indexed reads."""
    row = session.execute(select(LedgerHead.seq, LedgerHead.hash).where(LedgerHead.id == 1)).first()
    seq, digest = (int(row.seq), str(row.hash)) if row is not None else (0, GENESIS_HASH)
    head_at = None
    if seq:
        head_at = session.scalar(select(LedgerEntry.created_at).where(LedgerEntry.seq == seq))
    # Every seal's seq by the event index, the newest taken here: with ORDER BY seq DESC
    # LIMIT 1, SQLite walks the whole chain backwards when there are few seals or none.
    seals = session.scalars(select(LedgerEntry.seq).where(LedgerEntry.event == LEDGER_SEALED))
    newest_seal = max(seals, default=None)
    seal = None
    if newest_seal is not None:
        entry = session.get(LedgerEntry, newest_seal)
        data = json.loads(entry.payload).get("data", {}) if entry is not None else {}
        if entry is not None and isinstance(data.get("seq"), int):
            seal = Checkpoint(data["seq"], str(data.get("hash", "")), as_utc(entry.created_at))
    return LedgerStatus(
        head=Checkpoint(seq, digest, as_utc(head_at) if head_at is not None else None),
        last_seal=seal,
    )
