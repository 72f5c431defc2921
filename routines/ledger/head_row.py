"""The `ledger_head` row against the chain: does it name the last entry?

The head row is what an append locks and moves; `verify` compares it with the last entry
so that entries removed from the end (or an emptied table) are caught. Its columns are read
as the database returns them: an insider may have stored anything there (a NULL, text in
SQLite's integer column), and that is a finding to name, not a crash.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from routines.ledger.chain import LedgerHead


def read_head_row(bind: Session | Engine | Connection) -> tuple[Any, Any] | None:
    """(seq, hash) of the head row exactly as stored; None when the row is gone."""
    stmt = select(LedgerHead.seq, LedgerHead.hash).where(LedgerHead.id == 1)
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            row = conn.execute(stmt).first()
    else:
        row = bind.execute(stmt).first()
    return None if row is None else (row[0], row[1])


def head_problem(
    stored: tuple[Any, Any] | None, last_seq: int, last_hash: str
) -> tuple[int, str] | None:
    """(entry to name, what is wrong) when the head row does not name the last entry."""
    if stored is None:
        if last_seq == 0:
            return None  # an empty ledger made before the head row existed
        # the schema makes the head row with the table and appends only update it
        return last_seq + 1, (
            f"the head row is gone; the ledger ends at entry {last_seq}: entries may "
            "have been removed from its end (compare with a witness: `audit verify --witness`)"
        )
    seq, digest = stored
    if type(seq) is not int or type(digest) is not str:
        column, value = ("seq", seq) if type(seq) is not int else ("hash", digest)
        return last_seq + 1, (
            f"the head row's {column} is {_shown(value)}: it was edited outside the bot "
            f"(the ledger ends at entry {last_seq})"
        )
    if (seq, digest) == (last_seq, last_hash):
        return None
    if seq == last_seq:
        return seq, (
            f"the head row names entry {seq} as {digest[:12]}…, but entry {seq} is "
            f"{last_hash[:12]}…: the head row or the last entry was rewritten"
        )
    return (last_seq + 1 if seq > last_seq else seq), (
        f"the head row names entry {seq} ({digest[:12]}…) but the ledger ends at entry "
        f"{last_seq}: entries were removed or the head moved"
    )


def _shown(value: Any) -> str:
    """A stored value as the problem line names it: NULL, or a short excerpt and its type."""
    return "NULL" if value is None else f"{repr(value)[:20]} ({type(value).__name__})"
