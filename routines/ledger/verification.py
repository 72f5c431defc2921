"""Verifying the evidence ledger: recompute the hash chain and name the first broken entry.

`routines.ledger.verify` is the entry point; this module holds the checks. Rows are read
in `seq` order through the database driver's own cursor (a server-side cursor on
PostgreSQL), so a ledger of any length is checked in constant memory.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from routines.ledger.chain import GENESIS_HASH, chain_hash, int_or_none, str_or_none


@dataclass(frozen=True)
class Problem:
    """The first entry where the chain is broken, and how."""

    seq: int
    kind: str  # changed | removed | inserted | reordered | truncated | head_mismatch
    detail: str


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    head_seq: int
    head_hash: str
    problem: Problem | None = None
    witnessed_head: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def lines(self) -> list[str]:
        """Human-readable result (the CLI output and verify.txt in evidence packages)."""
        out = [
            f"entries: {self.entries}",
            f"head seq: {self.head_seq}",
            f"head hash: {self.head_hash}",
        ]
        if self.witnessed_head:
            out.append(f"witnessed head: {self.witnessed_head}")
        if self.problem is None:
            out.append("result: OK, the chain is intact")
        else:
            p = self.problem
            out.append(f"result: BROKEN at entry {p.seq} ({p.kind}): {p.detail}")
        return out


_SELECT_CHAIN = (
    "SELECT seq, payload, prev_hash, hash, event, occurrence_id, person_key "
    "FROM ledger_entries ORDER BY seq"
)
_BATCH = 10_000


def _stream(bind: Session | Engine | Connection) -> Iterator[tuple[Any, ...]]:
    """Rows in seq order through the driver's own cursor, a batch at a time.

    The DBAPI cursor skips SQLAlchemy's per-row objects (verify reads every entry, so
    this dominates its time). PostgreSQL uses a server-side (named) cursor, so memory
    stays flat for any ledger size.
    """
    if isinstance(bind, Engine):
        raw = bind.raw_connection()
        try:
            yield from _fetch(raw.driver_connection, bind.dialect.name)
        finally:
            raw.rollback()
            raw.close()
        return
    conn = bind.connection() if isinstance(bind, Session) else bind
    yield from _fetch(conn.connection.driver_connection, conn.dialect.name)


def _fetch(dbapi: Any, dialect: str) -> Iterator[tuple[Any, ...]]:
    if dialect == "postgresql":
        cursor = dbapi.cursor(name=f"ledger_verify_{secrets.token_hex(4)}")
        cursor.itersize = _BATCH
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(_SELECT_CHAIN)
        if dialect == "postgresql":
            yield from read_ahead(cursor, _BATCH)  # the server's work overlaps ours
        else:
            # SQLite reads in this process: a second thread only adds GIL hand-offs
            while batch := cursor.fetchmany(_BATCH):
                yield from batch
    finally:
        cursor.close()


def read_ahead(cursor: Any, size: int) -> Iterator[tuple[Any, ...]]:
    """Batches of the cursor, the next one fetched in a worker thread meanwhile.

    PostgreSQL reads and sends the next batch while this thread hashes the current one;
    the driver releases the GIL while it waits. Only one fetch is ever
    in flight and the caller never touches the cursor, so the driver is used by one
    thread at a time. Leaving early waits for the fetch in flight before returning.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        pending = pool.submit(cursor.fetchmany, size)
        while batch := pending.result():
            pending = pool.submit(cursor.fetchmany, size)
            yield from batch


def verify_chain(bind: Session | Engine | Connection, head: str | None = None) -> VerifyResult:
    """Recompute the chain, streaming; name the first entry that was tampered with.

    With `head` (a hash witnessed earlier, e.g. from the weekly seal) also detect entries
    removed from the end: the witnessed hash must still be in the chain.
    """
    return check_chain(_stream(bind), head=head)


def check_chain(rows: Iterable[tuple[Any, ...]], head: str | None = None) -> VerifyResult:
    """Check `(seq, payload, prev_hash, hash, event, occurrence_id, person_key)` rows in order.

    The checks run in the order that lets each kind of tampering be named correctly:
    a gap means removal; a hash that does not match the payload means a changed entry;
    an entry linking to the entry two back means the one between was inserted; a payload
    whose own seq differs from its position means reordering; an entry that does not
    link to an unchanged predecessor means the predecessor was rewritten with a new hash.
    """
    expected = 1
    prev_hash = GENESIS_HASH
    prev_prev_hash: str | None = None
    seen_head = head is None
    count = 0
    sha256 = hashlib.sha256
    for seq, payload, stored_prev, stored_hash, event_kind, occurrence_id, person_key in rows:
        # Fast path for an intact entry: cheap string checks instead of parsing JSON.
        # Anything unusual goes through `_check_row`, which parses and names the problem.
        if not (
            seq == expected
            and stored_prev == prev_hash
            and sha256((stored_prev + payload).encode()).hexdigest() == stored_hash
            and payload.endswith(f'"event":"{event_kind}","seq":{seq}}}')
            and _columns_in_payload(payload, occurrence_id, person_key)
        ):
            problem = _check_row(
                expected, prev_hash, prev_prev_hash,
                int(seq), str(payload), str(stored_prev), str(stored_hash),
                (event_kind, occurrence_id, person_key),
            )  # fmt: skip
            if problem is not None:
                return VerifyResult(count, expected - 1, prev_hash, problem, head)
        count += 1
        expected += 1
        prev_prev_hash, prev_hash = prev_hash, stored_hash
        if not seen_head and prev_hash == head:
            seen_head = True
    if not seen_head:
        problem = Problem(
            expected,
            "truncated",
            f"the witnessed head {head} is not in the ledger; it now ends at entry "
            f"{expected - 1}, so entries after it were removed (or the chain was rewritten)",
        )
        return VerifyResult(count, expected - 1, prev_hash, problem, head)
    return VerifyResult(count, expected - 1, prev_hash, None, head)


def _columns_in_payload(payload: str, occurrence_id: Any, person_key: Any) -> bool:
    """The indexed copies match the payload (canonical JSON: no spaces, sorted keys)."""
    if occurrence_id is None:
        if '"occurrence_id":' in payload:
            return False
    elif (
        f'"occurrence_id":{occurrence_id},' not in payload
        and f'"occurrence_id":{occurrence_id}}}' not in payload
    ):
        return False
    if person_key is None:
        return '"person_key":' not in payload
    return f'"person_key":"{person_key}"' in payload


def _check_row(
    expected: int,
    prev_hash: str,
    prev_prev_hash: str | None,
    seq: int,
    payload: str,
    stored_prev: str,
    stored_hash: str,
    columns: tuple[Any, Any, Any],
) -> Problem | None:
    if seq != expected:
        return Problem(
            expected,
            "removed",
            f"entry {expected} is missing (the sequence jumps from {expected - 1} to {seq})",
        )
    if chain_hash(stored_prev, payload) != stored_hash:
        return Problem(seq, "changed", "its hash does not match its payload")
    if stored_prev != prev_hash and stored_prev == prev_prev_hash:
        return Problem(
            seq - 1,
            "inserted",
            f"entry {seq} links to entry {seq - 2}, so entry {seq - 1} was inserted",
        )
    try:
        body = json.loads(payload)
        own_seq = body["seq"]
    except (ValueError, KeyError, TypeError):
        return Problem(seq, "changed", "its payload is not a ledger payload")
    if own_seq != seq:
        return Problem(
            seq,
            "reordered",
            f"position {seq} holds the entry whose own sequence number is {own_seq}",
        )
    if stored_prev != prev_hash:
        return Problem(
            seq - 1,
            "changed",
            f"entry {seq} does not link to entry {seq - 1}: entry {seq - 1} was rewritten",
        )
    data = body.get("data") or {}
    event_kind, occurrence_id, person_key = columns
    if (
        event_kind != body.get("event")
        or occurrence_id != int_or_none(data.get("occurrence_id"))
        or person_key != str_or_none(data.get("person_key"))
    ):
        return Problem(seq, "changed", "its indexed columns differ from its payload")
    return None
