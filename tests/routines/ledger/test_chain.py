"""The evidence ledger: hash chain, append-only triggers, tamper detection (SQLite + PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from storage.sessions import session_factory, transaction

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
ENTRIES = 10


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def filled(engine: Engine, factory: sessionmaker[Session]) -> Engine:
    """A ledger of ten entries, committed one transaction each."""
    for i in range(ENTRIES):
        with transaction(factory) as session:
            ledger.append_event(
                session,
                ledger.CONFIRMATION_RECORDED,
                {"occurrence_id": i + 1, "person_key": f"p{i}", "note": "gallring klar, åäö"},
                T0 + timedelta(minutes=i),
            )
    return engine


def tamper(engine: Engine, *statements: str) -> None:
    """Run statements directly in the database with the append-only triggers dropped."""
    with engine.begin() as conn:
        for ddl in ledger.drop_append_only_ddl(engine.dialect.name):
            conn.exec_driver_sql(ddl)
        for statement in statements:
            conn.exec_driver_sql(statement)


def row(engine: Engine, seq: int) -> dict[str, object]:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT * FROM ledger_entries WHERE seq = :s"), {"s": seq}
        ).mappings()
        return dict(found.one())


# --- the chain -----------------------------------------------------------------------------


def test_first_entry_links_to_the_genesis_hash(filled: Engine) -> None:
    first = row(filled, 1)
    assert first["prev_hash"] == "0" * 64
    assert first["hash"] == ledger.chain_hash("0" * 64, str(first["payload"]))


def test_payload_is_canonical_json_with_sorted_keys_and_real_utf8(filled: Engine) -> None:
    payload = str(row(filled, 3)["payload"])
    assert payload == ledger.canonical_json(json.loads(payload))
    assert " " not in payload.replace("gallring klar, åäö", "")
    assert "åäö" in payload
    assert json.loads(payload)["seq"] == 3


def test_each_entry_links_to_the_previous_hash(filled: Engine) -> None:
    for seq in range(2, ENTRIES + 1):
        assert row(filled, seq)["prev_hash"] == row(filled, seq - 1)["hash"]


def test_head_is_last_seq_and_hash(filled: Engine) -> None:
    assert ledger.head(filled) == (ENTRIES, row(filled, ENTRIES)["hash"])


def test_empty_ledger_head_is_genesis(engine: Engine) -> None:
    assert ledger.head(engine) == (0, "0" * 64)


def test_untouched_ledger_verifies_clean(filled: Engine) -> None:
    result = ledger.verify(filled)
    assert result.ok
    assert (result.entries, result.head_seq) == (ENTRIES, ENTRIES)


def test_untouched_ledger_verifies_clean_with_its_head(filled: Engine) -> None:
    assert ledger.verify(filled, head=ledger.head(filled)[1]).ok


def test_an_older_witnessed_head_still_verifies_after_later_appends(filled: Engine) -> None:
    assert ledger.verify(filled, head=str(row(filled, 4)["hash"])).ok


def test_rolled_back_append_leaves_no_gap(filled: Engine, factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(factory) as session:
        ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": 1}, T0)
        raise RuntimeError("caller fails after appending")
    with transaction(factory) as session:
        entry = ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": 1}, T0)
    assert entry.seq == ENTRIES + 1
    assert ledger.verify(filled).ok


def test_a_batch_append_continues_the_chain_like_single_appends(
    filled: Engine, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as session:
        last = ledger.append_events(
            session,
            [(ledger.REMINDER_POSTED, {"occurrence_id": i}) for i in (1, 2, 3)],
            T0,
        )
    assert last == ENTRIES + 3
    assert ledger.head(filled) == (last, row(filled, last)["hash"])
    assert row(filled, ENTRIES + 1)["prev_hash"] == row(filled, ENTRIES)["hash"]
    assert row(filled, ENTRIES + 2)["occurrence_id"] == 2
    assert ledger.verify(filled).ok


def test_a_batch_with_one_refused_event_appends_nothing(
    filled: Engine, factory: sessionmaker[Session]
) -> None:
    events = [(ledger.NOTE_ADDED, {"occurrence_id": 1}), (ledger.NOTE_ADDED, {"email": "a@b"})]
    with pytest.raises(ValueError, match="person keys"), transaction(factory) as session:
        ledger.append_events(session, events, T0)
    assert ledger.head(filled)[0] == ENTRIES


def test_names_and_emails_are_refused_in_payloads(factory: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match="person keys"), transaction(factory) as session:
        ledger.append_event(session, ledger.NOTE_ADDED, {"email": "anna@example.com"}, T0)


def test_unknown_event_kinds_are_refused(factory: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match="unknown"), transaction(factory) as session:
        ledger.append_event(session, "confirmed", {}, T0)


# --- the database refuses changes -----------------------------------------------------------


def test_trigger_blocks_update(filled: Engine) -> None:
    with pytest.raises(DatabaseError, match="append-only"), filled.begin() as conn:
        conn.exec_driver_sql("UPDATE ledger_entries SET payload = '{}' WHERE seq = 2")
    assert ledger.verify(filled).ok


def test_trigger_blocks_delete(filled: Engine) -> None:
    with pytest.raises(DatabaseError, match="append-only"), filled.begin() as conn:
        conn.exec_driver_sql("DELETE FROM ledger_entries WHERE seq = 2")
    assert ledger.verify(filled).ok


# --- tampering is named at the right entry --------------------------------------------------


def _verify_problem(engine: Engine, head: str | None = None) -> tuple[int, str]:
    result = ledger.verify(engine, head=head)
    assert not result.ok
    assert result.problem is not None
    return result.problem.seq, result.problem.kind


def test_changed_payload_is_named(filled: Engine) -> None:
    payload = str(row(filled, 4)["payload"]).replace("p3", "p9")
    tamper(filled, f"UPDATE ledger_entries SET payload = '{payload}' WHERE seq = 4")
    assert _verify_problem(filled) == (4, "changed")


def test_changed_payload_with_recomputed_hash_is_named(filled: Engine) -> None:
    old = row(filled, 4)
    payload = str(old["payload"]).replace("p3", "p9")
    new_hash = ledger.chain_hash(str(old["prev_hash"]), payload)
    tamper(
        filled,
        f"UPDATE ledger_entries SET payload = '{payload}', hash = '{new_hash}' WHERE seq = 4",
    )
    assert _verify_problem(filled) == (4, "changed")


def test_deleted_row_is_named(filled: Engine) -> None:
    tamper(filled, "DELETE FROM ledger_entries WHERE seq = 6")
    assert _verify_problem(filled) == (6, "removed")


def test_deleted_row_with_renumbered_successors_is_named(filled: Engine) -> None:
    tamper(
        filled,
        "DELETE FROM ledger_entries WHERE seq = 6",
        "UPDATE ledger_entries SET seq = -seq WHERE seq > 6",
        "UPDATE ledger_entries SET seq = -seq - 1 WHERE seq < 0",
    )
    assert _verify_problem(filled)[0] == 6


def test_inserted_row_is_named(filled: Engine) -> None:
    prev_hash = str(row(filled, 4)["hash"])
    payload = ledger.build_payload(
        5, ledger.CONFIRMATION_RECORDED, {"occurrence_id": 99, "person_key": "px"}, T0
    )
    forged = ledger.chain_hash(prev_hash, payload)
    tamper(
        filled,
        "UPDATE ledger_entries SET seq = -seq WHERE seq >= 5",
        "UPDATE ledger_entries SET seq = -seq + 1 WHERE seq < 0",
        "INSERT INTO ledger_entries (seq, payload, prev_hash, hash, created_at, event, "
        f"occurrence_id, person_key) VALUES (5, '{payload}', '{prev_hash}', '{forged}', "
        f"'2027-01-04 09:00:00', 'confirmation.recorded', 99, 'px')",
    )
    assert _verify_problem(filled) == (5, "inserted")


def test_reordered_rows_are_named(filled: Engine) -> None:
    tamper(
        filled,
        "UPDATE ledger_entries SET seq = -1 WHERE seq = 7",
        "UPDATE ledger_entries SET seq = 7 WHERE seq = 8",
        "UPDATE ledger_entries SET seq = 8 WHERE seq = -1",
    )
    assert _verify_problem(filled) == (7, "reordered")


def test_truncated_tail_is_named_by_the_head_row(filled: Engine) -> None:
    tamper(filled, f"DELETE FROM ledger_entries WHERE seq > {ENTRIES - 3}")
    assert _verify_problem(filled) == (ENTRIES - 2, "head_mismatch")


def test_truncated_tail_with_the_head_row_moved_back_is_named_with_the_witnessed_head(
    filled: Engine,
) -> None:
    witnessed = ledger.head(filled)[1]
    seq, digest = ENTRIES - 3, str(row(filled, ENTRIES - 3)["hash"])
    tamper(
        filled,
        f"DELETE FROM ledger_entries WHERE seq > {seq}",
        f"UPDATE ledger_head SET seq = {seq}, hash = '{digest}'",
    )
    assert ledger.verify(filled).ok  # without a witness a shorter chain looks whole
    assert _verify_problem(filled, head=witnessed) == (ENTRIES - 2, "truncated")


def test_changed_indexed_column_is_named(filled: Engine) -> None:
    tamper(filled, "UPDATE ledger_entries SET person_key = 'someone' WHERE seq = 3")
    assert _verify_problem(filled) == (3, "changed")


# --- concurrency ----------------------------------------------------------------------------


def _append_many(factory: sessionmaker[Session], worker: int, count: int) -> None:
    for i in range(count):
        with transaction(factory) as session:
            ledger.append_event(
                session, ledger.NOTE_ADDED, {"occurrence_id": worker * 1000 + i}, T0
            )


@pytest.mark.postgres
def test_concurrent_appends_on_postgres_form_one_chain(postgres_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from storage.engines import make_engine
    from storage.migrate import create_schema

    engine = make_engine(postgres_url, pool_size=8)
    create_schema(engine)
    factory = session_factory(engine)
    workers, each = 8, 25
    run: Callable[[int], None] = lambda w: _append_many(factory, w, each)  # noqa: E731
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, range(workers)))
    result = ledger.verify(engine)
    engine.dispose()
    assert result.ok
    assert result.entries == workers * each


def test_concurrent_appends_on_sqlite_form_one_chain(sqlite_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from storage.engines import make_engine
    from storage.migrate import create_schema

    engine = make_engine(sqlite_url)
    create_schema(engine)
    factory = session_factory(engine)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda w: _append_many(factory, w, 10), range(4)))
    result = ledger.verify(engine)
    engine.dispose()
    assert result.ok and result.entries == 40


def test_an_append_while_verify_reads_is_no_tamper_alarm(
    filled: Engine, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot appends between verify reading the head row and the chain (audit verify
    from cron on a live ledger): both reads come from one snapshot, so no head_mismatch."""
    from routines.ledger import verification

    read_head_row = verification.read_head_row

    def head_then_append(bind: object) -> object:
        found = read_head_row(bind)  # type: ignore[arg-type]
        with transaction(factory) as session:  # another connection, committed meanwhile
            ledger.append_event(session, ledger.LEDGER_SEALED, {"seq": 1}, T0)
        return found

    monkeypatch.setattr(verification, "read_head_row", head_then_append)
    result = ledger.verify(filled)
    assert result.ok, result.lines()
    assert result.head_seq == ENTRIES  # the snapshot's ledger; the append is for the next run
