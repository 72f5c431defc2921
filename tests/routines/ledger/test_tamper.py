"""An insider with write access to the database attacks a keyed ledger; `verify` names it.

Each test is one attack from issue 12, on SQLite and PostgreSQL. The attacker can run any
SQL (the append-only triggers dropped) but does not hold the ledger key."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from routines import ledger
from routines.ledger.keys import (
    LedgerKeyError,
    LedgerKeys,
    current_keys,
    key_id_for,
    read_keys,
    use_keys,
)
from routines.ledger.verification import Witness
from storage.sessions import session_factory, transaction

KEY = "k3y-for-tests-0123456789abcdef0123456789abcdef"
OLD_KEY = "older-key-for-tests-0123456789abcdef0123456789"
T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
ENTRIES = 10


@pytest.fixture
def keyed() -> Iterator[LedgerKeys]:
    before = current_keys()
    keys = LedgerKeys.of([KEY])
    use_keys(keys)
    yield keys
    use_keys(before)


def append(engine: Engine, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        with transaction(session_factory(engine)) as session:
            ledger.append_event(
                session, ledger.CONFIRMATION_RECORDED,
                {"occurrence_id": i + 1, "person_key": f"p{i}"}, T0 + timedelta(minutes=i),
            )  # fmt: skip


@pytest.fixture
def filled(engine: Engine, keyed: LedgerKeys) -> Engine:
    append(engine, ENTRIES)
    return engine


def tamper(engine: Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for ddl in ledger.drop_append_only_ddl(engine.dialect.name):
            conn.exec_driver_sql(ddl)
        for statement in statements:
            conn.exec_driver_sql(statement)


def row(engine: Engine, seq: int) -> dict[str, object]:
    with engine.connect() as conn:
        query = text("SELECT * FROM ledger_entries WHERE seq = :s")
        return dict(conn.execute(query, {"s": seq}).mappings().one())


def problem(engine: Engine, **kwargs: object) -> tuple[int, str]:
    result = ledger.verify(engine, **kwargs)  # type: ignore[arg-type]
    assert result.problem is not None, result.lines()
    return result.problem.seq, result.problem.kind


def forged_append(engine: Engine, key_id: str | None, digest_with: str | None) -> None:
    """Append entry ENTRIES+1 as an attacker would: hash it with `digest_with` (or SHA-256)."""
    last = row(engine, ENTRIES)
    seq = ENTRIES + 1
    payload = ledger.build_payload(
        seq, ledger.CONFIRMATION_RECORDED, {"occurrence_id": 99, "person_key": "px"}, T0
    )
    message = (str(last["hash"]) + payload).encode()
    if digest_with is None:
        digest = hashlib.sha256(message).hexdigest()
    else:
        import hmac

        digest = hmac.new(digest_with.encode(), message, hashlib.sha256).hexdigest()
    key = "NULL" if key_id is None else f"'{key_id}'"
    tamper(
        engine,
        "INSERT INTO ledger_entries (seq, payload, prev_hash, hash, created_at, event, "
        f"occurrence_id, person_key, key_id) VALUES ({seq}, '{payload}', '{last['hash']}', "
        f"'{digest}', '2027-01-04 09:00:00+00:00', 'confirmation.recorded', 99, 'px', {key})",
        f"UPDATE ledger_head SET seq = {seq}, hash = '{digest}'",
    )


# --- the keyed chain ----------------------------------------------------------------------


def test_entries_are_hmac_with_the_ledger_key_and_name_it(filled: Engine) -> None:
    entry = row(filled, 3)
    assert entry["key_id"] == key_id_for(KEY.encode())
    import hmac

    message = (str(entry["prev_hash"]) + str(entry["payload"])).encode()
    assert entry["hash"] == hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()
    assert ledger.verify(filled).ok


def test_entries_made_before_a_key_existed_still_verify(engine: Engine) -> None:
    append(engine, 3)  # no key yet
    use_keys(LedgerKeys.of([KEY]))
    try:
        append(engine, 3, start=3)
        assert row(engine, 1)["key_id"] is None and row(engine, 4)["key_id"] is not None
        assert ledger.verify(engine).ok
    finally:
        use_keys(LedgerKeys())


def test_a_rotated_key_still_verifies_the_entries_the_old_one_made(engine: Engine) -> None:
    use_keys(LedgerKeys.of([OLD_KEY]))
    try:
        append(engine, 3)
        use_keys(LedgerKeys.of([KEY, OLD_KEY]))  # the new key signs, the old one verifies
        append(engine, 3, start=3)
        assert row(engine, 1)["key_id"] != row(engine, 4)["key_id"]
        assert ledger.verify(engine).ok
    finally:
        use_keys(LedgerKeys())


# --- the attacks ----------------------------------------------------------------------------


def test_a_payload_rehashed_without_the_key_is_named(filled: Engine) -> None:
    old = row(filled, 4)
    payload = str(old["payload"]).replace('"p3"', '"px"')
    digest = hashlib.sha256((str(old["prev_hash"]) + payload).encode()).hexdigest()
    tamper(filled, f"UPDATE ledger_entries SET payload = '{payload}', hash = '{digest}', "
           "person_key = 'px' WHERE seq = 4")  # fmt: skip
    assert problem(filled) == (4, "changed")


def test_a_forged_unkeyed_append_is_named(filled: Engine) -> None:
    forged_append(filled, None, None)
    assert problem(filled) == (ENTRIES + 1, "unkeyed")


def test_an_append_made_with_a_key_the_verifier_does_not_hold_is_named(filled: Engine) -> None:
    guess = "an-attacker-s-own-key-0123456789abcdef012345"
    forged_append(filled, key_id_for(guess.encode()), guess)
    assert problem(filled) == (ENTRIES + 1, "unknown_key")


def test_a_full_unkeyed_rechain_is_named_by_a_witness(filled: Engine) -> None:
    witness = Witness(ENTRIES, str(row(filled, ENTRIES)["hash"]))
    statements, prev = [], ledger.GENESIS_HASH
    for seq in range(1, ENTRIES + 1):
        payload = str(row(filled, seq)["payload"]).replace('"p0"', '"px"')
        digest = hashlib.sha256((prev + payload).encode()).hexdigest()
        statements.append(
            f"UPDATE ledger_entries SET payload = '{payload}', prev_hash = '{prev}', "
            f"hash = '{digest}', key_id = NULL, person_key = "
            f"{'px' if seq == 1 else 'p' + str(seq - 1)!r} WHERE seq = {seq}"
        )
        prev = digest
    tamper(filled, *statements, f"UPDATE ledger_head SET hash = '{prev}'")
    assert ledger.verify(filled).ok  # a re-chain without the key is whole in itself...
    assert problem(filled, witnesses=[witness]) == (ENTRIES, "witness_mismatch")


def test_a_deleted_tail_is_named_by_the_head_row(filled: Engine) -> None:
    tamper(filled, "DELETE FROM ledger_entries WHERE seq > 7")
    assert problem(filled) == (8, "head_mismatch")


def test_an_emptied_table_is_named_by_the_head_row(filled: Engine) -> None:
    tamper(filled, "DELETE FROM ledger_entries")
    assert problem(filled) == (1, "head_mismatch")


def test_an_emptied_table_with_the_head_row_reset_is_named_by_a_witness(filled: Engine) -> None:
    witness = Witness(5, str(row(filled, 5)["hash"]))
    tamper(
        filled,
        "DELETE FROM ledger_entries",
        f"UPDATE ledger_head SET seq = 0, hash = '{ledger.GENESIS_HASH}'",
    )
    assert ledger.verify(filled).ok  # an empty ledger is whole in itself...
    assert problem(filled, witnesses=[witness]) == (1, "truncated")


def test_a_deleted_tail_with_the_head_row_deleted_too_is_named(filled: Engine) -> None:
    tamper(filled, "DELETE FROM ledger_entries WHERE seq > 7", "DELETE FROM ledger_head")
    assert problem(filled) == (8, "head_mismatch")


def test_a_head_row_that_does_not_name_the_last_entry_is_named(filled: Engine) -> None:
    tamper(filled, "UPDATE ledger_head SET seq = 12")
    assert problem(filled)[1] == "head_mismatch"


def test_an_edited_created_at_is_named(filled: Engine) -> None:
    tamper(filled, "UPDATE ledger_entries SET created_at = '2026-12-24 09:00:00+00:00' "
           "WHERE seq = 6")  # fmt: skip
    assert problem(filled) == (6, "changed")


# --- the key lost on a restart -------------------------------------------------------------


def test_without_the_key_nothing_is_appended_to_a_keyed_ledger(filled: Engine) -> None:
    """A key setting lost on a restart must not add entries that verify as forged."""
    use_keys(LedgerKeys())
    try:
        with pytest.raises(LedgerKeyError, match="none is configured"):
            append(filled, 1, start=ENTRIES)
    finally:
        use_keys(LedgerKeys.of([KEY]))
    assert ledger.head(filled)[0] == ENTRIES
    assert ledger.verify(filled).ok


@pytest.mark.parametrize("content", ["", "# only a comment\n\n"], ids=["empty", "comment"])
def test_a_key_file_without_a_key_is_refused(tmp_path: Path, content: str) -> None:
    key_file = tmp_path / "ledger-key"
    key_file.write_text(content, encoding="utf-8")
    with pytest.raises(LedgerKeyError, match="holds no key"):
        read_keys(key_file=str(key_file))


def test_a_key_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "ledger-key"
    key_file.write_bytes(b"\xff\xfe" + b"\x00" * 40)
    with pytest.raises(LedgerKeyError, match="is not UTF-8 text"):
        read_keys(key_file=str(key_file))


@pytest.mark.parametrize("saved", [b"\xef\xbb\xbf%s\n", b"%s\r\n"], ids=["bom", "crlf"])
def test_a_key_file_saved_by_a_windows_editor_holds_the_same_key(
    tmp_path: Path, saved: bytes
) -> None:
    # the vault holds the key without Notepad's byte-order mark: an auditor given that
    # key must verify what the bot signed
    key_file = tmp_path / "ledger-key"
    key_file.write_bytes(saved % KEY.encode("utf-8"))
    assert read_keys(key_file=str(key_file)) == LedgerKeys.of([KEY])
