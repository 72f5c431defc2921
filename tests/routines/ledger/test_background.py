"""`verify` runs the binding check beside the chain; where it runs never changes the finding.

On SQLite and PostgreSQL, on the report scenario with one SQL edit (a late confirmation
rewritten as on time, tests/routines/ledger/test_binding.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from routines import ledger
from routines.ledger import background
from routines.ledger.binding import check_bindings
from storage.sessions import session_factory
from tests.routines import report_scenario as scenario

TZ = "Europe/Stockholm"


@pytest.fixture
def late_made_on_time(engine: Engine) -> tuple[Engine, int]:
    scenario.build(session_factory(engine))
    with engine.begin() as conn:
        late = conn.execute(
            text(
                "SELECT id FROM occurrences WHERE routine_id = 'dsr-queue' "
                "AND scheduled_date = '2027-01-04'"
            )
        ).scalar_one()
        conn.execute(text(f"UPDATE occurrences SET status = 'done' WHERE id = {late}"))
    return engine, int(late)


def test_a_child_that_fails_leaves_the_check_to_this_process(
    late_made_on_time: tuple[Engine, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine, late = late_made_on_time
    parent = os.getpid()
    here: list[int] = []

    def failing_in_a_child(bind: object, timezone: str) -> object:
        if os.getpid() != parent:
            (tmp_path / "child-ran").touch()
            raise RuntimeError("the child cannot read")
        here.append(parent)
        return check_bindings(bind, timezone)  # type: ignore[arg-type]

    monkeypatch.setattr(background, "check_bindings", failing_in_a_child)
    result = ledger.verify(engine, timezone=TZ)
    assert {(m.occurrence_id, m.kind) for m in result.mismatches} == {
        (late, "status_contradicts_ledger")
    }
    assert (tmp_path / "child-ran").exists()  # the check did start in a child
    assert here == [parent]  # and ran again here, once


def test_a_session_is_checked_in_its_own_transaction(late_made_on_time: tuple[Engine, int]) -> None:
    engine, late = late_made_on_time
    with session_factory(engine)() as session:
        session.execute(text(f"UPDATE occurrences SET status = 'late' WHERE id = {late}"))
        # uncommitted: only this session sees the edit undone, and verify reads through it
        assert ledger.verify(session, timezone=TZ).ok
        session.rollback()
    assert not ledger.verify(engine, timezone=TZ).ok
