"""Quiz campaigns (kind `training`): posted to each person, started once, each answer
counted once, a pass confirms with a ledger entry, a fail waits for its cool-down and
then draws new questions; reminders chase only who has not passed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from routines import ledger
from routines.catalog import CatalogError
from routines.engine.acknowledgements import Actor
from routines.engine.models import DONE, OPEN
from routines.engine.training import Judge, QuestionTally, TrainingAttempt
from routines.service import RoutineService, Training
from storage.sessions import session_factory, transaction
from tests.routines.routine_env import (
    RecordingNotifier,
    at,
    catalog_from,
    make_service,
    occurrences,
)

CAMPAIGN = """\
routines:
  - id: onboarding-quiz
    kind: training
    title: {sv: GDPR-quiz, en: GDPR quiz}
    schedule: [2027-02-15]
    start: 2027-01-01
    due_days: 14
    remind: {before: [7]}
    training: {tags: [breach], questions: 2, pass_mark: 100, cooldown_hours: 24}
    assignees: {people: ["slack:UANNA", "slack:UBO"], confirm: all}
    escalate: {after_days: 3, to: [{platform: slack, person: ULEAD}]}
"""
ANNA = Actor("slack", "UANNA", "Anna")
BO = Actor("slack", "UBO", "Bo")
EVE = Actor("slack", "UEVE", "Eve")
BANK = ("q1", "q2", "q3", "q4")


def draw(lang: str, avoid: Sequence[str], training: Training) -> list[str]:
    """Two questions, fresh ones first (the bank's own draw is tested with the bank)."""
    return sorted(BANK, key=lambda q: q in avoid)[: training.questions]


@pytest.fixture
async def campaign(tmp_path: Path, engine: Engine) -> tuple[RoutineService, RecordingNotifier, int]:
    notifier = RecordingNotifier()
    service = make_service(engine, catalog_from(tmp_path, CAMPAIGN), notifier)
    await service.tick(at("2027-02-15 09:00"))
    [occurrence] = occurrences(engine)
    return service, notifier, occurrence.id


def events(engine: Engine, kind: str) -> list[dict[str, object]]:
    with transaction(session_factory(engine)) as session:
        rows = session.scalars(
            select(ledger.LedgerEntry).where(ledger.LedgerEntry.event == kind)
        ).all()
        return [json.loads(row.payload)["data"] for row in rows]


def judge(right: bool) -> Judge:
    return lambda question_id, lang: right


def answer_all(
    service: RoutineService,
    actor: Actor,
    occurrence_id: int,
    right: bool,
    when: str = "2027-02-15 10:00",
) -> None:
    started = service.quiz.start(occurrence_id, actor, "sv", draw, at(when))
    assert started.attempt is not None
    for position in range(len(started.attempt.questions)):
        service.quiz.answer(started.attempt.id, position, judge(right), actor, at(when))


async def test_each_person_gets_the_campaign_in_private_with_a_quiz_button(
    campaign: tuple[RoutineService, RecordingNotifier, int],
) -> None:
    _, notifier, occurrence_id = campaign
    posted = notifier.of_kind("posted")
    assert sorted((r.kind, r.address) for r, _ in posted) == [
        ("person", "UANNA"),
        ("person", "UBO"),
    ]
    notice = posted[0][1]
    assert [(a.kind, a.action_id, a.value) for a in notice.actions] == [
        ("quiz", "training.start", str(occurrence_id))
    ]
    assert "2 frågor, godkänt vid 100 % rätt" in notice.text


async def test_a_campaign_cannot_be_confirmed_by_a_click(
    campaign: tuple[RoutineService, RecordingNotifier, int],
) -> None:
    service, _, occurrence_id = campaign
    outcome = service.confirm(occurrence_id, ANNA, at("2027-02-15 10:00"))
    assert outcome.result == "needs_quiz"


async def test_passing_records_the_result_in_the_ledger_and_confirms(
    campaign: tuple[RoutineService, RecordingNotifier, int], engine: Engine
) -> None:
    service, _, occurrence_id = campaign
    answer_all(service, ANNA, occurrence_id, right=True)
    [result] = events(engine, ledger.TRAINING_RESULT)
    assert {k: result[k] for k in ("right", "total", "passed", "attempt")} == {
        "right": 2, "total": 2, "passed": True, "attempt": 1,
    }  # fmt: skip
    assert "person_key" in result and "UANNA" not in str(result)
    assert len(events(engine, ledger.CONFIRMATION_RECORDED)) == 1
    assert occurrences(engine)[0].status == OPEN  # Bo has not passed yet
    answer_all(service, BO, occurrence_id, right=True)
    assert occurrences(engine)[0].status == DONE


async def test_the_same_answer_twice_is_counted_once(
    campaign: tuple[RoutineService, RecordingNotifier, int], engine: Engine
) -> None:
    service, _, occurrence_id = campaign
    started = service.quiz.start(occurrence_id, ANNA, "sv", draw, at("2027-02-15 10:00"))
    assert started.result == "started" and started.attempt is not None
    first = service.quiz.answer(started.attempt.id, 0, judge(True), ANNA, at("2027-02-15 10:01"))
    again = service.quiz.answer(started.attempt.id, 0, judge(True), ANNA, at("2027-02-15 10:01"))
    assert (first.result, again.result) == ("next", "already")
    with transaction(session_factory(engine)) as session:
        attempt = session.get(TrainingAttempt, started.attempt.id)
        assert attempt is not None and (attempt.position, attempt.right) == (1, 1)
        tally = session.scalars(select(QuestionTally)).all()
        assert [(t.question_id, t.asked, t.right) for t in tally] == [("q1", 1, 1)]


async def test_a_second_start_resumes_the_unfinished_attempt(
    campaign: tuple[RoutineService, RecordingNotifier, int],
) -> None:
    service, _, occurrence_id = campaign
    first = service.quiz.start(occurrence_id, ANNA, "sv", draw, at("2027-02-15 10:00"))
    again = service.quiz.start(occurrence_id, ANNA, "sv", draw, at("2027-02-15 10:00"))
    assert again.result == "resumed" and again.attempt == first.attempt


async def test_a_failed_quiz_waits_for_its_cool_down_then_draws_new_questions(
    campaign: tuple[RoutineService, RecordingNotifier, int], engine: Engine
) -> None:
    service, _, occurrence_id = campaign
    answer_all(service, ANNA, occurrence_id, right=False)
    [result] = events(engine, ledger.TRAINING_RESULT)
    assert result["passed"] is False and result["right"] == 0
    assert events(engine, ledger.CONFIRMATION_RECORDED) == []
    early = service.quiz.start(occurrence_id, ANNA, "sv", draw, at("2027-02-16 09:59"))
    assert early.result == "cooldown" and early.retry_at == at("2027-02-16 10:00")
    retry = service.quiz.start(occurrence_id, ANNA, "sv", draw, at("2027-02-16 10:00"))
    assert retry.result == "started" and retry.attempt is not None
    assert retry.attempt.attempt == 2 and retry.attempt.questions == ("q3", "q4")


async def test_someone_outside_the_audience_gets_no_quiz(
    campaign: tuple[RoutineService, RecordingNotifier, int],
) -> None:
    service, _, occurrence_id = campaign
    started = service.quiz.start(occurrence_id, EVE, "sv", draw, at("2027-02-15 10:00"))
    assert started.result == "not_assignee"


async def test_reminders_and_escalation_chase_only_who_has_not_passed(
    campaign: tuple[RoutineService, RecordingNotifier, int],
) -> None:
    service, notifier, occurrence_id = campaign
    answer_all(service, ANNA, occurrence_id, right=True)
    await service.tick(at("2027-02-22 09:00"))
    assert [r.address for r, _ in notifier.of_kind("reminder")] == ["UBO"]
    await service.tick(at("2027-03-04 09:00"))
    [(lead, escalation)] = notifier.of_kind("escalation")
    assert lead.address == "ULEAD" and "Anna" not in escalation.text


def test_a_training_routine_needs_confirm_all(tmp_path: Path) -> None:
    text = CAMPAIGN.replace("confirm: all", "confirm: any")
    with pytest.raises(CatalogError) as raised:
        catalog_from(tmp_path, text)
    assert any("confirm: all" in p for p in raised.value.problems)


def test_a_bad_training_block_is_named(tmp_path: Path) -> None:
    text = CAMPAIGN.replace("pass_mark: 100", "pass_mark: 150")
    with pytest.raises(CatalogError) as raised:
        catalog_from(tmp_path, text)
    assert any(
        "training.pass_mark: expected a whole number 1-100" in p for p in raised.value.problems
    )


async def test_someone_added_to_the_audience_gets_the_running_campaign_at_the_next_tick(
    tmp_path: Path, engine: Engine
) -> None:
    notifier = RecordingNotifier()
    await make_service(engine, catalog_from(tmp_path, CAMPAIGN), notifier).tick(
        at("2027-02-15 09:00")
    )
    grown = CAMPAIGN.replace('"slack:UBO"]', '"slack:UBO", "slack:UCECILIA"]')
    later = make_service(engine, catalog_from(tmp_path, grown, "grown.yaml"), notifier)
    await later.tick(at("2027-02-16 09:00"))
    await later.tick(at("2027-02-16 10:00"))  # nothing new: nobody is posted twice
    posted = [r.address for r, _ in notifier.of_kind("posted")]
    assert sorted(posted) == ["UANNA", "UBO", "UCECILIA"]
    started = later.quiz.start(1, Actor("slack", "UCECILIA"), "sv", draw, at("2027-02-16 10:01"))
    assert started.result == "started"
