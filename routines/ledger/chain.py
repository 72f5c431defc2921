"""The append-only, hash-chained evidence ledger (`ledger_entries`).

Every evidence-relevant event (an occurrence created, a reminder posted, a confirmation
recorded, a report exported, ...) becomes one entry. Each entry stores:

- `seq`: 1, 2, 3, ... without gaps;
- `payload`: canonical JSON (sorted keys, no whitespace, UTF-8) of
  `{"at": ..., "data": {...}, "event": ..., "seq": n}`;
- `prev_hash`: the previous entry's hash (64 zeros for the first entry);
- `hash`: hex HMAC-SHA256 with the ledger key over `prev_hash + payload`, the key named
  by `key_id` (see `routines.ledger.keys`); entries made without a key (`key_id` NULL)
  have plain SHA-256 over the same bytes.

So changing, removing, inserting or reordering any entry breaks the chain at that entry,
and `verify` (checks in `routines.ledger.verification`) names it. Auditors query the table
directly: keep the column names.

People appear in payloads only as opaque person keys (see `storage.people`): names and
platform ids live in the `people` table so they can be erased without touching evidence.

Appends are serialised through the single-row `ledger_head` table (locked with
SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), so
concurrent replicas produce one chain: no forks, no gaps. `unique(seq)` is the backstop.
The database itself rejects UPDATE and DELETE on `ledger_entries` (triggers, see
`routines.ledger.append_only`), created by `create_schema` and by the alembic migration.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from routines.ledger.append_only import append_only_ddl
from routines.ledger.keys import LedgerKeyError, current_keys
from storage.base import Base
from storage.clock import as_utc

if TYPE_CHECKING:
    from routines.ledger.verification import VerifyResult, Witness

GENESIS_HASH: Final = "0" * 64

# Event kinds. The string is part of the hashed payload: never rename one.
OCCURRENCE_CREATED: Final = "occurrence.created"
REMINDER_POSTED: Final = "reminder.posted"
REMINDER_REPOSTED: Final = "reminder.reposted"
ESCALATION_POSTED: Final = "escalation.posted"
CONFIRMATION_RECORDED: Final = "confirmation.recorded"
OCCURRENCE_NOT_APPLICABLE: Final = "occurrence.not_applicable"
NOTE_ADDED: Final = "note.added"
REPORT_EXPORTED: Final = "report.exported"
PERSON_ERASED: Final = "person.erased"
EVIDENCE_REDACTED: Final = "evidence.redacted"  # an erasure took an identity out of a text
LEDGER_SEALED: Final = "ledger.sealed"
REPORT_REFUSED: Final = "report.refused"
WEB_SIGNED_IN: Final = "web.signed_in"  # an officer or team lead signed in to the web pages
TRAINING_RESULT: Final = "training.result"  # a person finished a campaign quiz: score, pass
LEDGER_VERIFIED: Final = "ledger.verified"  # `audit verify` found the chain intact
LEDGER_WITNESSED: Final = "ledger.witnessed"  # the head was written to a witness file
# The rights-request desk (routines/requests): a caller's request, from register to forward.
REQUEST_REGISTERED: Final = "request.registered"
REQUEST_FORWARDED: Final = "request.forwarded"
REQUEST_REMINDED: Final = "request.reminded"  # the agent, or an escalation (`to`)
REQUESTS_PURGED: Final = "requests.purged"  # register rows past GDPRBOT_REQUESTS_YEARS
# Someone outside a routine's channel (and not an assignee) tried to act on an occurrence.
CONFIRMATION_REFUSED: Final = "confirmation.refused"
REPORT_DOWNLOADED: Final = "report.downloaded"  # a report link was used (it works once)

EVENT_KINDS: Final = frozenset(
    {
        OCCURRENCE_CREATED,
        REMINDER_POSTED,
        REMINDER_REPOSTED,
        ESCALATION_POSTED,
        CONFIRMATION_RECORDED,
        OCCURRENCE_NOT_APPLICABLE,
        NOTE_ADDED,
        REPORT_EXPORTED,
        PERSON_ERASED,
        EVIDENCE_REDACTED,
        LEDGER_SEALED,
        REPORT_REFUSED,
        WEB_SIGNED_IN,
        TRAINING_RESULT,
        LEDGER_VERIFIED,
        LEDGER_WITNESSED,
        REQUEST_REGISTERED,
        REQUEST_FORWARDED,
        REQUEST_REMINDED,
        REQUESTS_PURGED,
        CONFIRMATION_REFUSED,
        REPORT_DOWNLOADED,
    }
)

# Keys that would put an identity into evidence that can never be erased.
_IDENTITY_KEYS: Final = frozenset(
    {"name", "display_name", "email", "e_mail", "user_id", "platform_user_id", "aad_object_id"}
)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Copies of payload fields, for querying (reports join on them); `verify` checks them.
    event: Mapped[str] = mapped_column(String(64), index=True)
    occurrence_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    person_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Which ledger key made `hash` (NULL: plain SHA-256, an entry made without a key).
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)


class LedgerHead(Base):
    """One row (id = 1): the chain head. Locking it serialises appends across replicas."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


# --- canonical form and hashing ------------------------------------------------------------


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"not JSON-serialisable in a ledger payload: {type(value).__name__}")


def canonical_json(value: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, real UTF-8 characters (not \\u escapes), no NaN."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def chain_hash(prev_hash: str, payload: str) -> str:
    """The unkeyed hash (entries made without a ledger key)."""
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def build_payload(seq: int, event_kind: str, data: Mapping[str, Any], now: datetime) -> str:
    return canonical_json(
        {"at": as_utc(now).isoformat(), "data": dict(data), "event": event_kind, "seq": seq}
    )


def _check_event(event_kind: str, data: Mapping[str, Any]) -> None:
    if event_kind not in EVENT_KINDS:
        raise ValueError(f"unknown ledger event kind: {event_kind!r}")
    leaked = _IDENTITY_KEYS.intersection(k.lower() for k in data)
    if leaked:
        raise ValueError(f"ledger payloads hold opaque person keys only, not {sorted(leaked)}")


# --- appending ---------------------------------------------------------------------------


# Core statements on the session's connection: an append is on every use case's path, and
# the ORM's unit of work roughly doubled its cost.
_HEAD_TABLE = cast(Table, LedgerHead.__table__)
_ENTRY_TABLE = cast(Table, LedgerEntry.__table__)
_LOCK_HEAD = (
    select(_HEAD_TABLE.c.seq, _HEAD_TABLE.c.hash).where(_HEAD_TABLE.c.id == 1).with_for_update()
)
_MOVE_HEAD = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def lock_head(session: Session) -> tuple[int, str]:
    """Lock the chain head for the rest of the transaction; returns (seq, hash)."""
    connection = session.connection()
    row = connection.execute(_LOCK_HEAD).first()
    if row is None:
        _ensure_head_row(connection)
        row = connection.execute(_LOCK_HEAD).one()
    return int(row.seq), str(row.hash)


def _ensure_head_row(connection: Connection) -> None:
    # ON CONFLICT DO NOTHING: two replicas creating the head at once must not fail.
    connection.exec_driver_sql(
        "INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, "
        f"'{GENESIS_HASH}') ON CONFLICT (id) DO NOTHING"
    )


def append_event(
    session: Session, event: str, data: Mapping[str, Any], now: datetime
) -> LedgerEntry:
    """Append one entry inside the caller's transaction; it commits or rolls back with it.

    `data` must refer to people by person key only. `occurrence_id` and `person_key`,
    when present in `data`, are also copied to indexed columns for reports. The entry is
    returned as a value (not attached to the session).
    """
    return LedgerEntry(**_append(session, [(event, data, now)])[0])


def append_events(
    session: Session, events: Sequence[tuple[str, Mapping[str, Any]]], now: datetime
) -> int:
    """Append several entries, in order, inside the caller's transaction.

    The same chain as one `append_event` per entry, but the head is locked and moved once
    and the entries are inserted in one statement (the dispatcher's group commit appends
    one entry per post). Returns the seq of the last entry (the head's if `events` is empty).
    """
    return append_timed(session, [(event, data, now) for event, data in events])


def append_timed(
    session: Session, events: Sequence[tuple[str, Mapping[str, Any], datetime]]
) -> int:
    """`append_events` with each entry's own time (a group of confirmations: each entry
    records the moment of its click). Returns the seq of the last entry."""
    if not events:
        return lock_head(session)[0]
    return int(_append(session, events)[-1]["seq"])


def _append(
    session: Session, events: Sequence[tuple[str, Mapping[str, Any], datetime]]
) -> list[dict[str, Any]]:
    for event_kind, data, _ in events:
        _check_event(event_kind, data)
    seq, prev_hash = lock_head(session)
    keys = current_keys()
    key_id = keys.signing
    if key_id is None and seq:
        _refuse_unkeyed_after_keyed(session.connection(), seq)
    rows = []
    for event_kind, data, now in events:
        seq += 1
        at = as_utc(now)
        payload = build_payload(seq, event_kind, data, at)
        entry_hash = keys.digest(key_id, prev_hash, payload)
        assert entry_hash is not None  # the signing key is always among the keys
        rows.append(
            {
                "seq": seq,
                "payload": payload,
                "prev_hash": prev_hash,
                "hash": entry_hash,
                "created_at": at,
                "event": event_kind,
                "occurrence_id": int_or_none(data.get("occurrence_id")),
                "person_key": str_or_none(data.get("person_key")),
                "key_id": key_id,
            }
        )
        prev_hash = entry_hash
    connection = session.connection()
    connection.execute(insert(_ENTRY_TABLE), rows)
    connection.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev_hash})
    return rows


def _refuse_unkeyed_after_keyed(connection: Connection, last: int) -> None:
    """No key configured, but the ledger's entries are keyed (a key setting lost on a
    restart, a command run without it): an entry made now would verify as forged for ever."""
    key_id = connection.execute(
        select(_ENTRY_TABLE.c.key_id).where(_ENTRY_TABLE.c.seq == last)
    ).scalar()
    if key_id is not None:
        raise LedgerKeyError(
            f"the evidence ledger is signed with ledger key {key_id} and none is configured: "
            "set GDPRBOT_LEDGER_KEY or GDPRBOT_LEDGER_KEY_FILE (an entry made without it would "
            "read as forged)"
        )


def int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def head(bind: Session | Engine | Connection) -> tuple[int, str]:
    """(seq, hash) of the last entry; (0, 64 zeros) for an empty ledger."""
    stmt = select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            row = conn.execute(stmt).first()
    else:
        row = bind.execute(stmt).first()
    if row is None:
        return 0, GENESIS_HASH
    return int(row.seq), str(row.hash)


# --- database-enforced append-only ---------------------------------------------------------


def install_append_only(connection: Connection) -> None:
    for statement in append_only_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


def _after_entries_created(_table: Table, connection: Connection, **_kw: Any) -> None:
    install_append_only(connection)


def _after_head_created(_table: Table, connection: Connection, **_kw: Any) -> None:
    connection.execute(insert(LedgerHead).values(id=1, seq=0, hash=GENESIS_HASH))


event.listen(LedgerEntry.__table__, "after_create", _after_entries_created)
event.listen(LedgerHead.__table__, "after_create", _after_head_created)


# --- verification (routines/ledger/verification.py) -----------------------------------------


def verify(
    bind: Session | Engine | Connection,
    head: str | None = None,
    witnesses: Sequence[Witness] = (),
    timezone: str | None = None,
) -> VerifyResult:
    """Recompute the whole chain, streaming; name the first entry that was tampered with.

    With `head` (a hash witnessed earlier, e.g. from the weekly seal) also detect entries
    removed from the end. See `routines.ledger.verification`.
    """
    from routines.ledger.verification import verify_chain

    return verify_chain(bind, head, witnesses=witnesses, timezone=timezone)
