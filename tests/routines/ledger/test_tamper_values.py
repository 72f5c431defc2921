"""An insider stores values the bot never writes (NULLs, duplicate or non-integer numbers,
a BLOB where text belongs, a head row of the wrong types); `verify` names the entry.

SQLite keeps any value in any column (type affinity), and a rebuilt table or PostgreSQL's
`ALTER TABLE ... DROP NOT NULL` lets NULLs in: each is a finding, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from routines import ledger
from storage.sessions import session_factory, transaction

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
ENTRIES = 8


@pytest.fixture
def filled(engine: Engine) -> Engine:
    for i in range(ENTRIES):
        with transaction(session_factory(engine)) as session:
            ledger.append_event(
                session, ledger.CONFIRMATION_RECORDED,
                {"occurrence_id": i + 1, "person_key": f"p{i}"}, T0 + timedelta(minutes=i),
            )  # fmt: skip
    return engine


def loosen(engine: Engine, table: str, *statements: str) -> None:
    """Drop the append-only triggers and `table`'s constraints (NOT NULL, keys), as an
    insider with the owner's rights can, then run `statements`."""
    with engine.begin() as conn:
        for ddl in ledger.drop_append_only_ddl(engine.dialect.name):
            conn.exec_driver_sql(ddl)
        if engine.dialect.name == "sqlite":  # a copy keeps the values and loses the rules
            conn.exec_driver_sql(f"CREATE TABLE loose AS SELECT * FROM {table}")
            conn.exec_driver_sql(f"DROP TABLE {table}")
            conn.exec_driver_sql(f"ALTER TABLE loose RENAME TO {table}")
        else:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table} CASCADE")
            if table == "ledger_entries":
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT uq_{table}_hash")
                conn.exec_driver_sql(f"ALTER TABLE {table} ALTER hash TYPE text")
            for column in ("seq", "payload", "prev_hash", "hash", "created_at", "event"):
                if table == "ledger_entries" or column in ("seq", "hash"):
                    conn.exec_driver_sql(f"ALTER TABLE {table} ALTER {column} DROP NOT NULL")
        for statement in statements:
            conn.exec_driver_sql(statement)


def problem(engine: Engine) -> tuple[int, str, str]:
    result = ledger.verify(engine)
    assert result.problem is not None, result.lines()
    return result.problem.seq, result.problem.kind, result.problem.detail


@pytest.mark.parametrize("column", ["payload", "prev_hash"])
def test_a_null_hashed_column_is_a_changed_entry(filled: Engine, column: str) -> None:
    loosen(filled, "ledger_entries", f"UPDATE ledger_entries SET {column} = NULL WHERE seq = 4")
    assert problem(filled) == (4, "changed", f"entry 4: its {column} is NULL")


def test_a_null_created_at_is_a_changed_entry(filled: Engine) -> None:
    loosen(filled, "ledger_entries", "UPDATE ledger_entries SET created_at = NULL WHERE seq = 4")
    assert problem(filled)[:2] == (4, "changed")


def test_a_null_sequence_number_is_named(filled: Engine) -> None:
    loosen(filled, "ledger_entries", "UPDATE ledger_entries SET seq = NULL WHERE seq = 4")
    seq, kind, _ = problem(filled)
    assert kind in ("changed", "removed") and seq in (1, 4)  # NULL sorts first in SQLite


def test_a_copied_entry_under_the_same_number_is_a_duplicate(filled: Engine) -> None:
    loosen(filled, "ledger_entries",
           "INSERT INTO ledger_entries SELECT * FROM ledger_entries WHERE seq = 5")  # fmt: skip
    assert problem(filled) == (5, "duplicate", "two entries are numbered 5")


def test_an_entry_numbered_below_one_is_inserted(filled: Engine) -> None:
    loosen(filled, "ledger_entries",
           "INSERT INTO ledger_entries (seq, payload, prev_hash, hash, created_at, event) "
           "SELECT 0, payload, prev_hash, 'x' || hash, created_at, event "
           "FROM ledger_entries WHERE seq = 1")  # fmt: skip
    assert problem(filled)[:2] == (0, "inserted")


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_head SET seq = NULL",
    "UPDATE ledger_head SET hash = NULL",
])  # fmt: skip
def test_a_null_in_the_head_row_is_a_head_mismatch(filled: Engine, statement: str) -> None:
    loosen(filled, "ledger_head", statement)
    seq, kind, detail = problem(filled)
    assert (seq, kind) == (ENTRIES + 1, "head_mismatch") and "is NULL" in detail


def test_a_head_row_hash_rewritten_in_place_names_the_last_entry(filled: Engine) -> None:
    loosen(filled, "ledger_head", f"UPDATE ledger_head SET hash = '{'ab' * 32}'")
    seq, kind, detail = problem(filled)
    assert (seq, kind) == (ENTRIES, "head_mismatch") and f"entry {ENTRIES} is" in detail


# --- SQLite's type affinity: what the column type does not stop ------------------------------


@pytest.fixture
def sqlite_filled(filled: Engine) -> Engine:
    if filled.dialect.name != "sqlite":
        pytest.skip("PostgreSQL columns hold only their own type")
    return filled


def test_a_non_integer_sequence_number_is_named(sqlite_filled: Engine) -> None:
    loosen(sqlite_filled, "ledger_entries", "UPDATE ledger_entries SET seq = 4.5 WHERE seq = 4")
    seq, kind, detail = problem(sqlite_filled)
    assert (seq, kind) == (4, "changed") and "4.5, not an integer" in detail


def test_a_payload_stored_as_a_blob_is_named(sqlite_filled: Engine) -> None:
    loosen(sqlite_filled, "ledger_entries",
           "UPDATE ledger_entries SET payload = CAST(payload AS BLOB) WHERE seq = 4")  # fmt: skip
    assert problem(sqlite_filled) == (
        4,
        "changed",
        "entry 4: its payload is a bytes value, not text",
    )


def test_text_in_the_head_rows_number_is_a_head_mismatch(sqlite_filled: Engine) -> None:
    loosen(sqlite_filled, "ledger_head", "UPDATE ledger_head SET seq = 'eight'")
    seq, kind, detail = problem(sqlite_filled)
    assert (seq, kind) == (ENTRIES + 1, "head_mismatch") and "'eight' (str)" in detail


def test_the_overviews_ledger_state_survives_a_head_row_of_the_wrong_type(
    sqlite_filled: Engine,
) -> None:
    from routines.ledger.status import ledger_status

    loosen(sqlite_filled, "ledger_head", "UPDATE ledger_head SET seq = 'eight'")
    with session_factory(sqlite_filled)() as session:
        assert ledger_status(session).head.seq == ENTRIES  # the last entry, not a crash


def test_the_overviews_last_verify_skips_a_payload_that_is_not_json(filled: Engine) -> None:
    from routines.ledger.status import ledger_status

    with transaction(session_factory(filled)) as session:
        ledger.append_event(session, ledger.LEDGER_VERIFIED, {"seq": 8, "hash": "h"}, T0)
    loosen(filled, "ledger_entries",
           f"UPDATE ledger_entries SET payload = 'not json' WHERE seq = {ENTRIES + 1}")  # fmt: skip
    with session_factory(filled)() as session:
        assert ledger_status(session).last_verify is None
