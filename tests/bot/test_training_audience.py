"""Training campaigns for everyone in a channel (`assignees: channel`): the platform's
roster (the Directory port) names the audience; each member gets the campaign in a DM,
a newcomer at the next run, nobody twice; members take the quiz, others cannot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from bot.app import build_services
from bot.config import Settings
from bot.features.training_audience import JOB_ID, TrainingAudienceJob
from knowledge import KnowledgeBase
from routines.catalog import CatalogError
from routines.engine.acknowledgements import Actor
from routines.service import RoutineService, Training
from testing.directory import StaticDirectory
from tests.routines.routine_env import RecordingNotifier, at, catalog_from, make_service

CAMPAIGN = """\
routines:
  - id: onboarding-quiz
    kind: training
    title: {sv: GDPR-quiz för nya, en: GDPR quiz for newcomers}
    schedule: [2027-02-15]
    start: 2027-01-01
    due_days: 14
    post_to: [{platform: slack, channel: C0SUPPORT}]
    training: {tags: [onboarding], questions: 2, pass_mark: 100, cooldown_hours: 24}
    assignees: channel
    escalate: {after_days: 3, to: [{platform: slack, person: ULEAD}]}
"""
POSTED = at("2027-02-15 09:00")


def draw(lang: str, avoid: Sequence[str], training: Training) -> list[str]:
    return ["q1", "q2"]


@pytest.fixture
async def campaign(
    tmp_path: Path, engine: Engine
) -> tuple[RoutineService, RecordingNotifier, StaticDirectory, TrainingAudienceJob]:
    """The campaign is created and announced in its channel; nobody is enrolled yet."""
    notifier = RecordingNotifier()
    service = make_service(engine, catalog_from(tmp_path, CAMPAIGN), notifier)
    await service.tick(POSTED)
    roster = StaticDirectory(members={"C0SUPPORT": {"UANNA", "UBO"}})
    job = TrainingAudienceJob(service.quiz, {"slack": roster}, lambda: POSTED)
    return service, notifier, roster, job


def dms(notifier: RecordingNotifier) -> list[str]:
    return sorted(r.address for r, n in notifier.of_kind("posted") if r.kind == "person")


async def test_every_member_of_the_channel_gets_the_campaign_in_a_dm(
    campaign: tuple[RoutineService, RecordingNotifier, StaticDirectory, TrainingAudienceJob],
) -> None:
    service, notifier, _, job = campaign
    assert dms(notifier) == []  # the channel got the announcement, nobody a quiz yet
    assert await job.run_once() == 2
    await service.tick(POSTED + timedelta(minutes=1))
    assert dms(notifier) == ["UANNA", "UBO"]


async def test_a_new_member_gets_it_at_the_next_run_and_nobody_gets_it_twice(
    campaign: tuple[RoutineService, RecordingNotifier, StaticDirectory, TrainingAudienceJob],
) -> None:
    service, notifier, roster, job = campaign
    await job.run_once()
    await service.tick(POSTED + timedelta(minutes=1))
    roster.rosters["C0SUPPORT"] = frozenset({"UANNA", "UBO", "UCIA"})
    assert await job.run_once() == 1
    assert await job.run_once() == 0
    await service.tick(POSTED + timedelta(hours=1))
    assert dms(notifier) == ["UANNA", "UBO", "UCIA"]


async def test_an_enrolled_member_takes_the_quiz_and_someone_outside_cannot(
    campaign: tuple[RoutineService, RecordingNotifier, StaticDirectory, TrainingAudienceJob],
) -> None:
    service, _, _, job = campaign
    await job.run_once()
    member = service.quiz.start(1, Actor("slack", "UANNA", "Anna"), "sv", draw, POSTED)
    outsider = service.quiz.start(1, Actor("slack", "UEVE", "Eve"), "sv", draw, POSTED)
    assert (member.result, outsider.result) == ("started", "not_assignee")


async def test_a_roster_that_cannot_be_read_enrols_nobody_and_is_tried_again(
    campaign: tuple[RoutineService, RecordingNotifier, StaticDirectory, TrainingAudienceJob],
) -> None:
    _, _, roster, job = campaign
    del roster.rosters["C0SUPPORT"]  # the platform cannot tell now
    assert await job.run_once() == 0
    roster.rosters["C0SUPPORT"] = frozenset({"UANNA"})
    assert await job.run_once() == 1


def test_the_job_runs_at_start_and_then_hourly() -> None:
    scheduler = AsyncIOScheduler()
    job = TrainingAudienceJob(None, {}, lambda: POSTED)  # type: ignore[arg-type]
    assert job.add_jobs(scheduler) == [JOB_ID]
    [added] = scheduler.get_jobs()
    assert added.trigger.interval == timedelta(hours=1)


def test_a_training_audience_is_named_people_or_a_channel_not_both(tmp_path: Path) -> None:
    both = CAMPAIGN.replace(
        "assignees: channel", 'assignees: {channel: true, people: ["slack:UANNA"]}'
    )
    with pytest.raises(CatalogError) as raised:
        catalog_from(tmp_path, both)
    assert any("named people or 'channel'" in problem for problem in raised.value.problems)


async def test_the_bot_schedules_the_job_when_a_campaign_is_for_a_channel(
    tmp_path: Path, test_knowledge: KnowledgeBase
) -> None:
    catalogue = tmp_path / "routines.yaml"
    catalogue.write_text(CAMPAIGN, encoding="utf-8")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        console="on",
        teams_enabled=False,
        scheduler_enabled=False,
        routines_files=[str(catalogue)],
    )
    services = build_services(settings, knowledge_base=test_knowledge)
    try:
        assert services.scheduler.get_job(JOB_ID) is not None
    finally:
        await services.close()
