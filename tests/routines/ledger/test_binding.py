"""Reports bound to the ledger: SQL edits to the report tables are named by `verify`.

The attacker edits `occurrences`, `confirmations` and `occurrence_notes` directly (no
trigger guards them); the ledger is untouched. Each test is one edit, on SQLite and
PostgreSQL, on the report scenario (tests/routines/report_scenario.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import Engine, text

from routines import ledger
from routines.reports.export import export_report
from storage.sessions import session_factory
from tests.routines import report_scenario as scenario

TZ = "Europe/Stockholm"


@pytest.fixture
def evidence(engine: Engine) -> Engine:
    scenario.build(session_factory(engine))
    return engine


def occurrence_id(engine: Engine, routine: str, scheduled: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT id FROM occurrences WHERE routine_id = :r AND scheduled_date = :d"),
            {"r": routine, "d": scheduled},
        )
        return int(found.scalar_one())


def edit(engine: Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def named(engine: Engine) -> set[tuple[int, str]]:
    result = ledger.verify(engine, timezone=TZ)
    assert result.bindings_checked and result.problem is None
    assert not result.ok
    return {(m.occurrence_id, m.kind) for m in result.mismatches}


def test_untouched_evidence_agrees_with_the_ledger(evidence: Engine) -> None:
    result = ledger.verify(evidence, timezone=TZ)
    assert result.ok, result.lines()
    assert "evidence rows that disagree with the ledger: 0" in result.lines()


def test_a_missed_routine_turned_into_done_on_time_is_named(evidence: Engine) -> None:
    missed = occurrence_id(evidence, "dsr-queue", "2027-02-01")
    edit(
        evidence,
        f"UPDATE occurrences SET status = 'done', closed_by = 'k-anna' WHERE id = {missed}",
        "INSERT INTO confirmations (occurrence_id, person_key, kind, note, created_at) "
        f"VALUES ({missed}, 'k-anna', 'confirm', NULL, '2027-02-05 09:00:00+00:00')",
    )
    assert named(evidence) == {
        (missed, "confirmation_without_event"),
        (missed, "status_without_evidence"),
    }


def test_a_late_confirmation_rewritten_as_on_time_is_named(evidence: Engine) -> None:
    late = occurrence_id(evidence, "dsr-queue", "2027-01-04")
    edit(evidence, f"UPDATE occurrences SET status = 'done' WHERE id = {late}")
    assert named(evidence) == {(late, "status_contradicts_ledger")}


def test_a_deleted_confirmation_is_named(evidence: Engine) -> None:
    done = occurrence_id(evidence, "retention", "2027-01-04")
    edit(evidence, f"DELETE FROM confirmations WHERE occurrence_id = {done}")
    assert (done, "event_without_confirmation") in named(evidence)


def test_a_confirmation_moved_in_time_is_named(evidence: Engine) -> None:
    late = occurrence_id(evidence, "dsr-queue", "2027-01-04")
    edit(evidence, "UPDATE confirmations SET created_at = '2027-01-10 09:00:00+00:00' "
         f"WHERE occurrence_id = {late}")  # fmt: skip
    assert (late, "confirmation_changed") in named(evidence)


def test_a_rewritten_note_is_named(evidence: Engine) -> None:
    done = occurrence_id(evidence, "retention", "2027-01-04")
    edit(evidence, f"UPDATE occurrence_notes SET text = 'allt klart' WHERE occurrence_id = {done}")
    assert named(evidence) == {(done, "note_changed")}


def test_a_deleted_occurrence_is_named(evidence: Engine) -> None:
    open_one = occurrence_id(evidence, "dsr-queue", "2027-03-29")
    edit(
        evidence,
        f"DELETE FROM occurrence_assignees WHERE occurrence_id = {open_one}",
        f"DELETE FROM occurrences WHERE id = {open_one}",
    )
    assert named(evidence) == {(open_one, "event_without_occurrence")}


def test_an_occurrence_row_with_no_event_is_named(evidence: Engine) -> None:
    edit(
        evidence,
        "INSERT INTO occurrences (routine_id, scheduled_date, post_date, due_date, status, "
        "confirm_mode, anyone_in_channel, created_at, created_late) VALUES ('training', "
        "'2027-03-01', '2027-03-01', '2027-03-15', 'open', 'any', false, "
        "'2027-03-01 09:00:00+00:00', false)",
    )
    forged = occurrence_id(evidence, "training", "2027-03-01")
    assert named(evidence) == {(forged, "occurrence_without_event")}


def test_the_evidence_package_marks_rows_that_disagree_with_the_ledger(evidence: Engine) -> None:
    late = occurrence_id(evidence, "dsr-queue", "2027-01-04")
    edit(evidence, f"UPDATE occurrences SET status = 'done' WHERE id = {late}")
    out = io.BytesIO()
    export_report(session_factory(evidence), scenario.scope(), "zip", out, who="cli",
                  now=scenario.NOW)  # fmt: skip
    verify_txt = zipfile.ZipFile(out).read("verify.txt").decode("utf-8")
    assert f"occurrence {late}: status_contradicts_ledger" in verify_txt
    assert "result: BROKEN" in verify_txt


def test_an_occurrence_its_kind_skipped_agrees_with_the_ledger(engine: Engine) -> None:
    """A kind with nothing to do (no knowledge gaps, no article due) closes the occurrence
    as not applicable when it creates it; its `occurrence.created` entry says so."""
    from datetime import UTC, date, datetime

    from routines.catalog import load_catalog
    from routines.engine.occurrences import KindContent, create_occurrence, slot_for
    from storage.sessions import transaction

    routine = load_catalog([]).get("knowledge-gaps")
    assert routine is not None
    with transaction(session_factory(engine)) as session:
        created = create_occurrence(
            session, routine, slot_for(routine, date(2027, 1, 4)),
            datetime(2027, 1, 4, 8, 0, tzinfo=UTC),
            {routine.kind: lambda *_: KindContent(skip=True)},
        )  # fmt: skip
        assert created is not None and created.status == "not_applicable"
    result = ledger.verify(engine, timezone=TZ)
    assert result.ok, result.lines()
