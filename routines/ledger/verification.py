"""Verifying the evidence ledger: recompute the hash chain and name the first broken entry.

`routines.ledger.verify` is the entry point; this module holds the checks. Rows are read
in `seq` order through the database driver's own cursor (a server-side cursor on
PostgreSQL), so a ledger of any length is checked in constant memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from routines.ledger.chain import GENESIS_HASH, int_or_none, str_or_none
from routines.ledger.chain_stream import stream_chain
from routines.ledger.head_row import head_problem, read_head_row
from routines.ledger.keys import LedgerKeys, current_keys, hmac_sha256_states

if TYPE_CHECKING:
    from routines.ledger.binding import Mismatch

MAX_LISTED = 50


@dataclass(frozen=True)
class Problem:
    """The first entry where the chain is broken, and how."""

    seq: int
    kind: str  # changed | removed | inserted | duplicate | reordered | truncated |
    # head_mismatch | unkeyed | unknown_key | witness_mismatch
    detail: str


@dataclass(frozen=True)
class Witness:
    """A head recorded outside the database: `seq hash`, as `audit head` prints it."""

    seq: int
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    head_seq: int
    head_hash: str
    problem: Problem | None = None
    witnessed_head: str | None = None
    # Domain rows and ledger entries that disagree (routines/ledger/binding.py), when checked.
    mismatches: tuple[Mismatch, ...] = ()
    bindings_checked: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.mismatches

    def lines(self) -> list[str]:
        """Human-readable result (the CLI output and verify.txt in evidence packages)."""
        out = [
            f"entries: {self.entries}",
            f"head seq: {self.head_seq}",
            f"head hash: {self.head_hash}",
        ]
        if self.witnessed_head:
            out.append(f"witnessed head: {self.witnessed_head}")
        if self.bindings_checked:
            out.append(f"evidence rows that disagree with the ledger: {len(self.mismatches)}")
            out.extend(f"  {m.line()}" for m in self.mismatches[:MAX_LISTED])
            if len(self.mismatches) > MAX_LISTED:
                out.append(f"  ... and {len(self.mismatches) - MAX_LISTED} more")
        if self.problem is None and self.mismatches:
            out.append(
                "result: BROKEN: the chain is intact, but the report tables were changed "
                "outside the bot (see the rows above)"
            )
        elif self.problem is None:
            out.append("result: OK, the chain is intact")
        else:
            p = self.problem
            out.append(f"result: BROKEN at entry {p.seq} ({p.kind}): {p.detail}")
        return out


def verify_chain(
    bind: Session | Engine | Connection,
    head: str | None = None,
    *,
    witnesses: Sequence[Witness] = (),
    keys: LedgerKeys | None = None,
    timezone: str | None = None,
) -> VerifyResult:
    """Recompute the chain, streaming; name the first entry that was tampered with.

    With `timezone` (the installation's) also cross-check the report tables against the
    ledger (routines/ledger/binding.py) once the chain itself is intact.

    The `ledger_head` row must name the last entry (a removed tail or an emptied table
    is caught so). With `head` (a hash witnessed earlier) or `witnesses` (`seq hash`
    pairs kept outside the database) also detect a tail removed together with the head
    row, or a chain rewritten up to a witnessed entry.
    """
    bindings = None
    if timezone is not None:  # started first: a child process where it can run (background.py)
        from routines.ledger.background import Bindings

        bindings = Bindings(bind, timezone)
    try:
        # the head row and the chain from one snapshot: an append between the two reads
        # is not a tampered head (storage.sessions.read_session: writers are not blocked)
        with _snapshot(bind) as reader:
            stored_head = read_head_row(reader)
            rows = stream_chain(reader)
            try:
                result = check_chain(
                    rows, head=head, witnesses=witnesses, keys=keys or current_keys()
                )
            finally:  # the cursor ends now, not when the generator is collected
                rows.close()
    except BaseException:
        if bindings is not None:
            bindings.cancel()
        raise
    found = head_problem(stored_head, result.head_seq, result.head_hash) if result.ok else None
    if found is not None:
        result = replace(result, problem=Problem(found[0], "head_mismatch", found[1]))
    if bindings is not None and result.problem is None:
        return replace(result, mismatches=tuple(bindings.result()), bindings_checked=True)
    if bindings is not None:
        bindings.cancel()  # the chain is broken: that is the finding
    return result


def _snapshot(
    bind: Session | Engine | Connection,
) -> AbstractContextManager[Session | Connection]:
    if isinstance(bind, Engine):
        from storage.sessions import read_session, session_factory

        return read_session(session_factory(bind))
    return nullcontext(bind)  # the caller's transaction is the snapshot


def check_chain(
    rows: Iterable[tuple[Any, ...]],
    head: str | None = None,
    *,
    witnesses: Sequence[Witness] = (),
    keys: LedgerKeys | None = None,
) -> VerifyResult:
    """Check `(seq, payload, prev_hash, hash, event, occurrence_id, person_key, key_id,
    created_at)` rows in order (`key_id` None: unkeyed). Values are taken as the database
    returns them: a NULL or a value of the wrong type (SQLite stores any type in any
    column) is a changed entry, never a crash.

    The checks run in the order that lets each kind of tampering be named correctly:
    a gap means removal; a hash that does not match the payload means a changed entry;
    an entry linking to the entry two back means the one between was inserted; a payload
    whose own seq differs from its position means reordering; an entry that does not
    link to an unchanged predecessor means the predecessor was rewritten with a new hash.
    An entry made without a key after one made with a key is a forged append.
    """
    keys = keys or LedgerKeys()
    expected = 1
    prev_hash = GENESIS_HASH
    prev_prev_hash: str | None = None
    seen_head = head is None
    witnessed = {w.seq: w.hash for w in witnesses}
    keyed = 0  # the first keyed entry's seq
    count = 0
    sha256 = hashlib.sha256
    states = {key_id: hmac_sha256_states(secret) for key_id, secret in keys.secrets.items()}
    for row in rows:
        seq, payload, stored_prev, stored_hash, event_kind, occurrence_id, person_key, \
            key_id, created = row  # fmt: skip
        try:
            message = (stored_prev + payload).encode()
        except (TypeError, AttributeError):  # a NULL, or a BLOB in SQLite's text column
            unreadable = Problem(expected, "changed", _not_text(seq, stored_prev, payload))
            return VerifyResult(count, expected - 1, prev_hash, unreadable, head)
        if key_id is None:
            computed: str | None = sha256(message).hexdigest()
        elif (state := states.get(key_id)) is None:
            computed = None
        else:  # LedgerKeys.digest with the key's pads hashed once (keys.hmac_sha256_states)
            inner, outer = state[0].copy(), state[1].copy()
            inner.update(message)
            outer.update(inner.digest())
            computed = outer.hexdigest()
        # Fast path for an intact entry: cheap string checks instead of parsing JSON.
        # Anything unusual goes through `_check_row`, which parses and names the problem.
        if not (
            seq == expected
            and stored_prev == prev_hash
            and computed == stored_hash
            and payload.endswith(f'"event":"{event_kind}","seq":{seq}}}')
            and _columns_in_payload(payload, occurrence_id, person_key)
        ):
            if computed is None and seq == expected:
                problem: Problem | None = Problem(
                    seq, "unknown_key",
                    f"its hash was made with ledger key {key_id}, which this verifier does "
                    "not hold (a forged entry, or set GDPRBOT_LEDGER_KEY / _FILE to that key)",
                )  # fmt: skip
            else:
                problem = _check_row(
                    expected, prev_hash, prev_prev_hash,
                    seq, str(payload), str(stored_prev), str(stored_hash),
                    (event_kind, occurrence_id, person_key), computed,
                )  # fmt: skip
            if problem is not None:
                return VerifyResult(count, expected - 1, prev_hash, problem, head)
        if key_id is not None:
            keyed = keyed or seq
        elif keyed:
            problem = Problem(
                seq, "unkeyed",
                f"it was made without the ledger key after entry {keyed} was made with one: "
                "appended or rewritten by someone without the key",
            )  # fmt: skip
            return VerifyResult(count, expected - 1, prev_hash, problem, head)
        if not _same_moment(payload, created):
            problem = Problem(seq, "changed", "its created_at differs from the time it records")
            return VerifyResult(count, expected - 1, prev_hash, problem, head)
        if witnessed and witnessed.get(seq, stored_hash) != stored_hash:
            problem = Problem(
                seq, "witness_mismatch",
                f"a witness recorded entry {seq} as {witnessed[seq][:12]}…, the ledger now "
                f"holds {stored_hash[:12]}…: the chain was rewritten up to there",
            )  # fmt: skip
            return VerifyResult(count, expected - 1, prev_hash, problem, head)
        count += 1
        expected += 1
        prev_prev_hash, prev_hash = prev_hash, stored_hash
        if not seen_head and prev_hash == head:
            seen_head = True
    beyond = [seq for seq in witnessed if seq >= expected]
    if beyond:
        problem = Problem(
            expected, "truncated",
            f"a witness recorded entry {max(beyond)}, but the ledger now ends at entry "
            f"{expected - 1}: entries after it were removed",
        )  # fmt: skip
        return VerifyResult(count, expected - 1, prev_hash, problem, head)
    if not seen_head:
        problem = Problem(
            expected,
            "truncated",
            f"the witnessed head {head} is not in the ledger; it now ends at entry "
            f"{expected - 1}, so entries after it were removed (or the chain was rewritten)",
        )
        return VerifyResult(count, expected - 1, prev_hash, problem, head)
    return VerifyResult(count, expected - 1, prev_hash, None, head)


def _not_text(seq: Any, stored_prev: Any, payload: Any) -> str:
    column, value = ("prev_hash", stored_prev) if type(stored_prev) is not str else (
        "payload", payload
    )  # fmt: skip
    held = "NULL" if value is None else f"a {type(value).__name__} value, not text"
    return f"entry {seq!r:.20}: its {column} is {held}"


def _same_moment(payload: str, created: Any) -> bool:
    """created_at is the moment the payload records (`{"at":"…"` starts every payload)."""
    end = payload.find('"', 7)
    if (  # fast path: SQLite's naive UTC text against a whole-second UTC payload time
        isinstance(created, str)
        and end == 32
        and payload[26:32] == "+00:00"
        and created[:10] == payload[7:17]
        and created[11:19] == payload[18:26]
    ):
        return created[19:].strip(".0") == ""
    try:
        recorded = datetime.fromisoformat(payload[7:end])
        stored = created if isinstance(created, datetime) else datetime.fromisoformat(created)
    except (TypeError, ValueError):
        return False
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=UTC)  # SQLite keeps naive UTC
    return stored == recorded


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
    seq: Any,
    payload: str,
    stored_prev: str,
    stored_hash: str,
    columns: tuple[Any, Any, Any],
    computed: str | None,
) -> Problem | None:
    if type(seq) is not int:  # SQLite keeps 4.5 or '4x' in an integer column as given
        return Problem(
            expected, "changed",
            f"the entry after entry {expected - 1} is numbered "
            f"{'NULL' if seq is None else repr(seq)[:20]}, not an integer",
        )  # fmt: skip
    if seq < expected:  # rows come in seq order: a number seen already, or below 1
        if seq == expected - 1 and seq >= 1:
            return Problem(seq, "duplicate", f"two entries are numbered {seq}")
        return Problem(
            seq, "inserted", f"an entry numbered {seq} precedes entry 1 (numbers start at 1)"
        )
    if seq != expected:
        return Problem(
            expected,
            "removed",
            f"entry {expected} is missing (the sequence jumps from {expected - 1} to {seq})",
        )
    if computed != stored_hash:
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
