"""The click path, grouped: concurrent confirmations share one transaction and one head
lock, and each is still recorded exactly once, with its own ledger entry and time."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, insert, select

from routines import clicks, ledger
from routines.clicks import ConfirmRequest
from routines.engine.acknowledgements import Actor
from routines.engine.models import DONE, Confirmation
from routines.service import RoutineService
from storage.clock import as_utc
from storage.people import Person
from storage.sessions import session_factory, transaction
from tests.routines.routine_env import RecordingNotifier, at, catalog_from, make_service

ROUTINE = """\
  - id: ROUTINE
    title: {sv: Rutin ROUTINE, en: Routine ROUTINE}
    schedule: [2027-02-15]
    due_days: 28
    start: 2027-01-01
    post_to: [{platform: slack, channel: C0GDPR}]
    assignees: {people: ["slack:UANNA", "slack:UBO"], confirm: any}
"""
ANNA = Actor("slack", "UANNA", "Anna")
BO = Actor("slack", "UBO", "Bo")
EVE = Actor("slack", "UEVE", "Eve")


async def service_with(
    tmp_path: Path, engine: Engine, count: int
) -> tuple[RoutineService, list[int]]:
    text = "routines:\n" + "".join(ROUTINE.replace("ROUTINE", f"r{n}") for n in range(count))
    service = make_service(engine, catalog_from(tmp_path, text), RecordingNotifier())
    await service.tick(at("2027-02-15 09:00"))
    return service, service.open_ids()


def commits_during(engine: Engine) -> list[int]:
    """A counter of the commits on `engine` from now on."""
    seen: list[int] = []
    event.listen(engine, "commit", lambda _connection: seen.append(1))
    return seen


def statements_during(engine: Engine, start: str) -> list[str]:
    """The statements beginning with `start` sent on `engine` from now on (an executemany
    counts once: one round trip for all its rows)."""
    seen: list[str] = []

    def sent(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().startswith(start):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", sent)
    return seen


def confirmations(engine: Engine) -> list[tuple[int, str]]:
    with transaction(session_factory(engine)) as session:
        rows = session.execute(select(Confirmation.occurrence_id, Confirmation.kind))
        return [(int(oid), str(kind)) for oid, kind in rows]


def entries(engine: Engine, kind: str) -> list[dict[str, object]]:
    with transaction(session_factory(engine)) as session:
        payloads = session.scalars(
            select(ledger.LedgerEntry.payload)
            .where(ledger.LedgerEntry.event == kind)
            .order_by(ledger.LedgerEntry.seq)
        )
        return [json.loads(payload) for payload in payloads]


async def test_clicks_arriving_together_are_recorded_in_one_transaction(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clicks, "CONFIRM_WORKERS", 1)  # else they are spread over the workers
    service, ids = await service_with(tmp_path, engine, 5)
    commits = commits_during(engine)
    outcomes = await asyncio.gather(
        *(service.clicks.confirm(ConfirmRequest(oid, ANNA, at("2027-02-16 10:00"))) for oid in ids)
    )
    assert [o.result for o in outcomes] == ["completed"] * 5
    assert len(commits) == 1
    assert sorted(oid for oid, _ in confirmations(engine)) == sorted(ids)
    assert sorted(e["data"]["occurrence_id"] for e in entries(engine, "confirmation.recorded")) == (  # type: ignore[index]
        sorted(ids)
    )
    assert ledger.verify(engine).ok


async def test_the_occurrences_a_group_closes_are_written_in_one_statement(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clicks, "CONFIRM_WORKERS", 1)  # one group
    service, ids = await service_with(tmp_path, engine, 5)
    updates = statements_during(engine, "UPDATE occurrences")
    outcomes = await asyncio.gather(
        *(service.clicks.confirm(ConfirmRequest(oid, ANNA, at("2027-02-16 10:00"))) for oid in ids)
    )
    assert [o.result for o in outcomes] == ["completed"] * 5
    assert len(updates) == 1
    assert service.open_ids() == []


async def test_the_confirmations_of_a_group_are_inserted_in_one_statement(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clicks, "CONFIRM_WORKERS", 1)  # one group
    service, ids = await service_with(tmp_path, engine, 5)
    inserts = statements_during(engine, "INSERT INTO confirmations")
    outcomes = await asyncio.gather(
        *(service.clicks.confirm(ConfirmRequest(oid, ANNA, at("2027-02-16 10:00"))) for oid in ids)
    )
    assert [o.result for o in outcomes] == ["completed"] * 5
    assert len(inserts) == 1
    assert sorted(oid for oid, _ in confirmations(engine)) == sorted(ids)


async def test_a_click_whose_row_another_replica_inserted_first_is_answered_already(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The group read the answers before another transaction's insert committed: the
    group's insert conflicts, and the click is answered with the row that won."""
    monkeypatch.setattr(clicks, "CONFIRM_WORKERS", 1)  # one group
    service, [first, raced] = await service_with(tmp_path, engine, 2)
    real = clicks.insert_new

    def insert_new(session, model, rows, key):  # type: ignore[no-untyped-def]
        # The row of the other replica's click, there by the time of the group's insert.
        person = session.scalar(select(Person.person_key).where(Person.platform_user_id == "UANNA"))
        session.execute(insert(Confirmation).values(
            occurrence_id=raced, person_key=person, kind="confirm",
            created_at=as_utc(at("2027-02-16 09:59"))))  # fmt: skip
        return real(session, model, rows, key)

    monkeypatch.setattr(clicks, "insert_new", insert_new)
    outcomes = await asyncio.gather(
        *(
            service.clicks.confirm(ConfirmRequest(o, ANNA, at("2027-02-16 10:00")))
            for o in (first, raced)
        )
    )
    assert [o.result for o in outcomes] == ["completed", "already"]
    assert len(entries(engine, "confirmation.recorded")) == 1
    assert sorted(oid for oid, _ in confirmations(engine)) == sorted([first, raced])


async def test_a_double_click_in_one_group_is_recorded_once(tmp_path: Path, engine: Engine) -> None:
    service, [oid] = await service_with(tmp_path, engine, 1)
    first, second = await asyncio.gather(
        service.clicks.confirm(ConfirmRequest(oid, ANNA, at("2027-02-16 10:00"))),
        service.clicks.confirm(ConfirmRequest(oid, ANNA, at("2027-02-16 10:00"))),
    )
    assert sorted([first.result, second.result]) == ["already", "completed"]
    assert first.status == second.status == DONE
    assert confirmations(engine) == [(oid, "confirm")]
    assert len(entries(engine, "confirmation.recorded")) == 1


async def test_two_people_on_one_occurrence_in_one_group_close_it_once(
    tmp_path: Path, engine: Engine
) -> None:
    service, [oid] = await service_with(tmp_path, engine, 1)
    anna, bo = await asyncio.gather(
        service.clicks.confirm(ConfirmRequest(oid, ANNA, at("2027-02-16 10:00"))),
        service.clicks.confirm(ConfirmRequest(oid, BO, at("2027-02-16 10:00"))),
    )
    assert sorted([anna.result, bo.result]) == ["closed", "completed"]
    assert anna.status == bo.status == DONE
    assert len(confirmations(engine)) == 1


async def test_each_ledger_entry_records_the_time_of_its_own_click(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clicks, "CONFIRM_WORKERS", 1)  # one group
    service, ids = await service_with(tmp_path, engine, 3)
    times = [at("2027-02-16 10:02"), at("2027-02-16 10:00"), at("2027-02-16 10:01")]
    await asyncio.gather(
        *(
            service.clicks.confirm(ConfirmRequest(o, ANNA, t))
            for o, t in zip(ids, times, strict=True)
        )
    )
    recorded = entries(engine, "confirmation.recorded")
    when = {e["data"]["occurrence_id"]: e["at"] for e in recorded}  # type: ignore[index]
    assert when == {o: as_utc(t).isoformat() for o, t in zip(ids, times, strict=True)}
    assert [e["at"] for e in recorded] == sorted(as_utc(t).isoformat() for t in times)
    assert ledger.verify(engine).ok


async def test_someone_not_assigned_is_refused_without_a_ledger_entry(
    tmp_path: Path, engine: Engine
) -> None:
    service, [oid] = await service_with(tmp_path, engine, 1)
    eve, anna = await asyncio.gather(
        service.clicks.confirm(ConfirmRequest(oid, EVE, at("2027-02-16 10:00"))),
        service.clicks.confirm(ConfirmRequest(oid, ANNA, at("2027-02-16 10:00"))),
    )
    assert (eve.result, anna.result) == ("not_assignee", "completed")
    assert len(entries(engine, "confirmation.recorded")) == 1


async def test_a_click_on_no_occurrence_stores_nothing_about_the_clicker(
    tmp_path: Path, engine: Engine
) -> None:
    """Minimal data: a person row is made only for a click that can be decided; a click
    on an occurrence that does not exist (in a group with a real one) leaves none."""
    service, [oid] = await service_with(tmp_path, engine, 1)
    ghost, anna = await asyncio.gather(
        service.clicks.confirm(ConfirmRequest(oid + 1000, EVE, at("2027-02-16 10:00"))),
        service.clicks.confirm(ConfirmRequest(oid, ANNA, at("2027-02-16 10:00"))),
    )
    assert (ghost.result, anna.result) == ("not_found", "completed")
    with transaction(session_factory(engine)) as session:
        people = set(session.scalars(select(Person.platform_user_id)))
    assert "UEVE" not in people and "UANNA" in people


async def test_a_click_that_fails_does_not_fail_the_others_in_its_group(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, ids = await service_with(tmp_path, engine, 3)
    broken = ids[1]
    real = clicks.decide_in

    def decide_in(session, catalog, request, **kw):  # type: ignore[no-untyped-def]
        if request.occurrence_id == broken:
            raise RuntimeError("a bug in one click")
        return real(session, catalog, request, **kw)

    monkeypatch.setattr(clicks, "decide_in", decide_in)
    results = await asyncio.gather(
        *(service.clicks.confirm(ConfirmRequest(o, ANNA, at("2027-02-16 10:00"))) for o in ids),
        return_exceptions=True,
    )
    assert isinstance(results[1], RuntimeError)
    assert [r.result for r in (results[0], results[2])] == ["completed", "completed"]  # type: ignore[union-attr]
    assert sorted(oid for oid, _ in confirmations(engine)) == sorted([ids[0], ids[2]])
    assert ledger.verify(engine).ok


async def test_audiences_of_concurrent_clicks_are_read_together(
    tmp_path: Path, engine: Engine
) -> None:
    service, ids = await service_with(tmp_path, engine, 3)
    commits = commits_during(engine)
    found = await asyncio.gather(*(service.clicks.audience(o) for o in [*ids, 999_999]))
    assert [a.occurrence_id if a else None for a in found] == [*ids, None]
    assert {a.routine_id for a in found if a} == {"r0", "r1", "r2"}
    assert found[0] is not None and found[0].channels == (("slack", "C0GDPR"),)
    assert len(commits) == 1


async def test_many_clicks_spread_over_the_workers_are_each_recorded_once(
    tmp_path: Path, engine: Engine
) -> None:
    service, ids = await service_with(tmp_path, engine, 12)
    requests = [ConfirmRequest(o, a, at("2027-02-16 10:00")) for o in ids for a in (ANNA, BO)]
    outcomes = await asyncio.gather(*(service.clicks.confirm(r) for r in requests))
    assert sorted(o.result for o in outcomes) == ["closed"] * 12 + ["completed"] * 12
    assert sorted(oid for oid, _ in confirmations(engine)) == sorted(ids)
    assert len(entries(engine, "confirmation.recorded")) == 12
    assert ledger.verify(engine).ok
