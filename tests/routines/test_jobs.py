"""The scheduler: explicit job ids from the catalogue, a catch-up tick at start, and ticks
that never overlap nor pile up."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_SUBMITTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from routines.engine.planning import TickReport
from routines.jobs import SAFETY_JOB_ID, RoutineRunner
from tests.routines.routine_env import (
    RecordingNotifier,
    at,
    catalog_from,
    make_service,
    occurrences,
)

TWO = """\
routines:
  - id: retention
    title: {sv: Gallring, en: Retention}
    schedule: {every: quarter, anchor: 2026-10-01}
    post_to: [{platform: console, channel: gdpr}]
    assignees: channel
  - id: training
    title: {sv: Utbildning, en: Training}
    schedule: "30 8 1 9 *"
    post_to: [{platform: console, channel: gdpr}]
    assignees: channel
  - id: retired
    enabled: false
    title: {sv: Gammal, en: Old}
    schedule: [2027-01-01]
    post_to: [{platform: console, channel: gdpr}]
    assignees: channel
"""


async def test_jobs_have_explicit_ids_rebuilt_from_the_catalogue(
    tmp_path: Path, sqlite_url: str
) -> None:
    from storage.engines import make_engine
    from storage.migrate import create_schema

    engine = make_engine(sqlite_url)
    create_schema(engine)
    catalog = catalog_from(tmp_path, TWO)
    runner = RoutineRunner(make_service(engine, catalog, RecordingNotifier()), catalog)
    scheduler = AsyncIOScheduler(timezone=UTC)  # the bot's one scheduler, in bot/app.py
    assert sorted(runner.add_jobs(scheduler)) == sorted(
        ["routine:retention", "routine:training", SAFETY_JOB_ID]
    )
    assert sorted(runner.add_jobs(scheduler)) == sorted(  # rebuilding replaces, never duplicates
        ["routine:retention", "routine:training", SAFETY_JOB_ID]
    )
    assert len(scheduler.get_jobs()) == 3
    training = scheduler.get_job("routine:training")
    assert training is not None and "hour='8'" in str(training.trigger)
    engine.dispose()


async def test_starting_catches_up_at_once_using_the_injected_clock(
    tmp_path: Path, engine: Engine
) -> None:
    catalog = catalog_from(tmp_path, TWO.replace(
        "    schedule: {every: quarter, anchor: 2026-10-01}\n",
        "    schedule: {every: quarter, anchor: 2026-10-01}\n    start: 2026-12-01\n",
    ))  # fmt: skip
    notifier = RecordingNotifier()
    moments = iter([at("2027-01-02 12:00")] * 10)
    runner = RoutineRunner(
        make_service(engine, catalog, notifier), catalog, clock=lambda: next(moments)
    )
    await runner.start()
    try:
        assert runner._first is not None
        await runner._first
    finally:
        await runner.stop()
    assert [o.routine_id for o in occurrences(engine)] == ["retention"]
    assert len(notifier.sent) == 1


async def test_a_productive_tick_logs_its_summary(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    catalog = catalog_from(tmp_path, TWO.replace(
        "    schedule: {every: quarter, anchor: 2026-10-01}\n",
        "    schedule: {every: quarter, anchor: 2026-10-01}\n    start: 2026-12-01\n",
    ))  # fmt: skip
    runner = RoutineRunner(
        make_service(engine, catalog, RecordingNotifier()),
        catalog,
        clock=lambda: at("2027-01-02 12:00"),
    )
    with caplog.at_level(logging.INFO, logger="routines.jobs"):
        await runner.tick()
    summaries = [r for r in caplog.records if r.getMessage() == "routine tick"]
    assert len(summaries) == 1
    assert summaries[0].new_occurrences >= 1  # type: ignore[attr-defined]
    assert summaries[0].sent >= 1  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


class BlockingService:
    """A service whose tick waits until released, counting the ticks started."""

    def __init__(self) -> None:
        self.started = 0
        self.running = asyncio.Event()
        self.release = asyncio.Event()

    async def tick(self, now: datetime, clock: object = None) -> TickReport:
        self.started += 1
        self.running.set()
        await self.release.wait()
        return TickReport()


def blocking_runner(tmp_path: Path) -> tuple[RoutineRunner, BlockingService]:
    service = BlockingService()
    catalog = catalog_from(tmp_path, TWO)
    runner = RoutineRunner(service, catalog, clock=lambda: at("2027-01-02 12:00"))  # type: ignore[arg-type]
    return runner, service


async def test_ticks_asked_for_while_one_runs_become_one_more_tick(tmp_path: Path) -> None:
    runner, service = blocking_runner(tmp_path)
    first = asyncio.create_task(runner.tick())
    await service.running.wait()
    for _ in range(3):  # e.g. routines due at the same minute: each returns at once
        await runner.tick()
    service.release.set()
    await first
    assert service.started == 2


async def test_the_safety_tick_adds_no_tick_while_one_runs(tmp_path: Path) -> None:
    runner, service = blocking_runner(tmp_path)
    first = asyncio.create_task(runner.tick())
    await service.running.wait()
    await runner.safety_tick()
    service.release.set()
    await first
    assert service.started == 1


async def test_a_long_tick_makes_the_scheduler_skip_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runner, service = blocking_runner(tmp_path)
    scheduler = AsyncIOScheduler(timezone=UTC)
    runner.add_jobs(scheduler)
    first = asyncio.create_task(runner.tick())
    await service.running.wait()
    job = scheduler.get_job(SAFETY_JOB_ID)
    assert job is not None
    fired: asyncio.Queue[int] = asyncio.Queue()
    scheduler.add_listener(
        lambda event: fired.put_nowait(event.code), EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES
    )
    with caplog.at_level(logging.WARNING, logger="apscheduler"):
        scheduler.start()
        try:
            for _ in range(2):  # the safety job fires twice while the tick runs
                job.modify(next_run_time=datetime.now(UTC))
                await fired.get()
        finally:
            service.release.set()
            await first
            scheduler.shutdown(wait=False)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert service.started == 1
