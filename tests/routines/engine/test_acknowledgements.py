"""Confirm / not applicable / note: only assignees, any|all, once per person, as evidence."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from routines import ledger
from routines.engine.acknowledgements import AFTER_DUE_MARK, Actor
from routines.engine.models import DONE, LATE, NOT_APPLICABLE, OPEN, Confirmation
from routines.service import RoutineService
from storage.people import person_key_for
from storage.sessions import session_factory, transaction
from tests.routines.routine_env import (
    RecordingNotifier,
    at,
    catalog_from,
    count,
    make_service,
    occurrences,
)

ROUTINE = """\
routines:
  - id: training
    title: {sv: GDPR-utbildning, en: GDPR training}
    schedule: [2027-02-15]
    due_days: 28
    post_to: [{platform: slack, channel: C0GDPR}]
    assignees: {people: ["slack:UANNA", "bo@example.com"], confirm: CONFIRM}
    evidence: EVIDENCE
"""
ANNA = Actor("slack", "UANNA", "Anna")
BO = Actor("slack", "UBO", "Bo", email="Bo@Example.com")
EVE = Actor("slack", "UEVE", "Eve")
POSTED = "2027-02-15 09:00"


async def service_with(
    tmp_path: Path, engine: Engine, *, confirm: str = "any", evidence: str = "none"
) -> tuple[RoutineService, int]:
    text = ROUTINE.replace("CONFIRM", confirm).replace("EVIDENCE", evidence)
    catalog = catalog_from(tmp_path, text + "    start: 2027-01-01\n")
    service = make_service(engine, catalog, RecordingNotifier())
    await service.tick(at(POSTED))
    [occurrence] = occurrences(engine)
    return service, occurrence.id


def ledger_events(engine: Engine) -> list[str]:
    with transaction(session_factory(engine)) as session:
        return list(
            session.scalars(select(ledger.LedgerEntry.event).order_by(ledger.LedgerEntry.seq))
        )


async def test_with_confirm_any_one_assignee_closes_it_on_time(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine)
    outcome = service.confirm(occurrence_id, ANNA, at("2027-03-01 10:12"))
    assert outcome.result == "completed" and outcome.status == DONE
    assert service.outcome_line(outcome, "sv", at("2027-03-01 10:12")) == (
        "✅ Bekräftad av Anna, 2027-03-01 10:12"
    )
    assert service.outcome_line(outcome, "en", at("2027-03-01 10:12")) == (
        "✅ Confirmed by Anna, 2027-03-01 10:12"
    )
    assert ledger_events(engine)[-1] == ledger.CONFIRMATION_RECORDED


async def test_with_confirm_all_it_stays_open_until_everyone_confirmed(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine, confirm="all")
    first = service.confirm(occurrence_id, ANNA, at("2027-03-01 10:00"))
    assert (first.result, first.status, first.remaining) == ("confirmed", OPEN, 1)
    second = service.confirm(occurrence_id, BO, at("2027-03-20 10:00"))
    assert (second.result, second.status) == ("completed", LATE)  # due 2027-03-15


async def test_an_assignee_named_by_email_is_recognised_by_the_email_the_platform_reports(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine)
    assert service.confirm(occurrence_id, BO, at("2027-03-01 10:00")).result == "completed"


async def test_someone_else_may_not_confirm(tmp_path: Path, engine: Engine) -> None:
    service, occurrence_id = await service_with(tmp_path, engine)
    outcome = service.confirm(occurrence_id, EVE, at("2027-03-01 10:00"))
    assert outcome.result == "not_assignee" and not outcome.recorded
    assert count(engine, Confirmation) == 0
    assert occurrences(engine)[0].status == OPEN


async def test_a_double_click_is_recorded_once(tmp_path: Path, engine: Engine) -> None:
    service, occurrence_id = await service_with(tmp_path, engine, confirm="all")
    first = service.confirm(occurrence_id, ANNA, at("2027-03-01 10:00"))
    again = service.confirm(occurrence_id, ANNA, at("2027-03-01 10:00:01"))
    assert again.result == "already" and again.at == first.at
    assert count(engine, Confirmation) == 1
    assert ledger_events(engine).count(ledger.CONFIRMATION_RECORDED) == 1


async def test_simultaneous_clicks_from_two_replicas_are_recorded_once(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine, confirm="all")
    outcomes = await asyncio.gather(
        *(
            asyncio.to_thread(service.confirm, occurrence_id, ANNA, at("2027-03-01 10:00"))
            for _ in range(6)
        )
    )
    assert sorted(o.result for o in outcomes) == ["already"] * 5 + ["confirmed"]
    assert count(engine, Confirmation) == 1


async def test_not_applicable_needs_a_reason_and_closes_it_with_that_reason(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine)
    assert service.not_applicable(occurrence_id, ANNA, "  ", at("2027-03-01 10:00")).result == (
        "needs_reason"
    )
    outcome = service.not_applicable(
        occurrence_id, ANNA, "Ingen ny personal", at("2027-03-01 10:00")
    )
    assert (outcome.result, outcome.status) == ("not_applicable", NOT_APPLICABLE)
    [occurrence] = occurrences(engine)
    assert occurrence.reason == "Ingen ny personal"
    assert ledger_events(engine)[-1] == ledger.OCCURRENCE_NOT_APPLICABLE
    line = service.outcome_line(outcome, "en", at("2027-03-01 10:00"))
    assert line == "➖ Not applicable according to Anna, 2027-03-01 10:00: Ingen ny personal"


async def test_after_it_is_closed_another_assignee_is_told_so(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine)
    service.confirm(occurrence_id, ANNA, at("2027-03-01 10:00"))
    assert service.confirm(occurrence_id, BO, at("2027-03-01 11:00")).result == "closed"


async def test_required_evidence_must_come_with_the_confirmation(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine, evidence="required")
    assert service.confirm(occurrence_id, ANNA, at("2027-03-01 10:00")).result == "needs_evidence"
    outcome = service.confirm(
        occurrence_id, ANNA, at("2027-03-01 10:00"), note="https://intranet/training-2027.xlsx"
    )
    assert outcome.result == "completed"
    with transaction(session_factory(engine)) as session:
        [confirmation] = session.scalars(select(Confirmation)).all()
        assert confirmation.note == "https://intranet/training-2027.xlsx"


async def test_a_note_is_added_and_recorded_in_the_ledger(tmp_path: Path, engine: Engine) -> None:
    service, occurrence_id = await service_with(tmp_path, engine, evidence="optional")
    outcome = service.add_note(occurrence_id, ANNA, "Deltagarlista sparad", at("2027-03-01 10:00"))
    assert outcome.result == "noted"
    assert ledger_events(engine)[-1] == ledger.NOTE_ADDED
    assert occurrences(engine)[0].status == OPEN


async def test_an_unknown_occurrence_is_reported_as_not_found(
    tmp_path: Path, engine: Engine
) -> None:
    service, _ = await service_with(tmp_path, engine)
    assert service.confirm(987654, ANNA, at("2027-03-01 10:00")).result == "not_found"


async def test_my_open_occurrences_list_only_what_i_still_have_to_confirm(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine, confirm="all")
    assert [i.occurrence_id for i in service.open_for(ANNA, at("2027-02-16 10:00"))] == [
        occurrence_id
    ]
    assert service.open_for(EVE, at("2027-02-16 10:00")) == []
    service.confirm(occurrence_id, ANNA, at("2027-02-16 10:00"))
    assert service.open_for(ANNA, at("2027-02-16 10:01")) == []
    assert len(service.open_for(BO, at("2027-02-16 10:01"))) == 1


@pytest.mark.parametrize("lang", ["sv", "en"])
async def test_the_ledger_holds_person_keys_never_names(
    tmp_path: Path, engine: Engine, lang: str
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine)
    service.confirm(occurrence_id, BO, at("2027-03-01 10:00"))
    with transaction(session_factory(engine)) as session:
        payloads = " ".join(session.scalars(select(ledger.LedgerEntry.payload)))
    assert "Bo" not in payloads.replace("bo", "") and "UBO" not in payloads
    assert "example.com" not in payloads.lower()


async def test_an_email_stored_from_an_earlier_profile_does_not_stand_in_for_the_caller(
    tmp_path: Path, engine: Engine
) -> None:
    # Eve's profile once reported Bo's address (Teams `mail` is not verified); now she
    # clicks without one: only an address the caller vouches for may link an assignee.
    service, occurrence_id = await service_with(tmp_path, engine)
    with transaction(session_factory(engine)) as session:
        person_key_for(session, "teams", "aad-eve", at(POSTED), email="bo@example.com")
    outcome = service.confirm(occurrence_id, Actor("teams", "aad-eve", "Eve"), at(POSTED))
    assert outcome.result == "not_assignee"


async def test_an_occurrence_cannot_be_confirmed_before_its_posting_day(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine)  # posted 2027-02-15
    outcome = service.confirm(occurrence_id, ANNA, at("2027-02-14 16:00"))
    assert outcome.result == "not_posted" and not outcome.recorded
    assert count(engine, Confirmation) == 0
    assert ledger.CONFIRMATION_RECORDED not in ledger_events(engine)


async def test_not_applicable_after_the_due_date_is_refused_to_an_assignee(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine)  # due 2027-03-15
    outcome = service.not_applicable(
        occurrence_id, ANNA, "Ingen ny personal", at("2027-03-16 09:00")
    )
    assert outcome.result == "needs_officer" and not outcome.recorded
    assert occurrences(engine)[0].status == OPEN
    assert ledger.OCCURRENCE_NOT_APPLICABLE not in ledger_events(engine)


async def test_not_applicable_after_the_due_date_by_an_officer_is_marked_as_such(
    tmp_path: Path, engine: Engine
) -> None:
    service, occurrence_id = await service_with(tmp_path, engine)
    outcome = service.not_applicable(
        occurrence_id, ANNA, "Ingen ny personal", at("2027-03-16 09:00"), officer=True
    )
    assert (outcome.result, outcome.status) == ("not_applicable", NOT_APPLICABLE)
    [occurrence] = occurrences(engine)
    assert occurrence.reason == AFTER_DUE_MARK + "Ingen ny personal"
    assert ledger_events(engine)[-1] == ledger.OCCURRENCE_NOT_APPLICABLE
