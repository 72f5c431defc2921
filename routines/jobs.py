"""The routine jobs: the only place in routines that reads the clock.

The bot's one APScheduler 3 scheduler (built by the composition root, bot/app.py) gets
one job per routine from `add_jobs`, with an explicit id (`routine:<id>`) rebuilt from
the catalogue at every start, firing daily at the routine's wall-clock time in its time
zone, plus a periodic safety tick. Every job does the same thing: `service.tick(now)`.
Nothing depends on a job having fired: not misfire grace (its 1 s default silently drops
late runs), not this process being the only one. A tick catches up whatever is due
according to the database, so a missed or doubled job is harmless, and `start` runs one
tick right away.

Ticks in one process never overlap, and never pile up. A routine's job firing while a
tick runs (a big dispatch; a thousand routines due at the same minute) does not wait or
start another: it asks for one more tick after the running one, however many ask (what
is due may have changed since the running one looked). The safety tick firing while a
tick runs does nothing (the running tick is the catch-up it would be; under load, ticks
back to back would only take time from the work). Either returns at once, so APScheduler
never finds a job still running: no "skipped: maximum number of running instances"
warnings (harmless, but they said nothing useful and were the bulk of a busy log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from routines.catalog import Catalog
from routines.service import RoutineService
from storage.clock import utc_now

log = logging.getLogger(__name__)

SAFETY_JOB_ID = "routines:safety-tick"


class RoutineRunner:
    def __init__(
        self,
        service: RoutineService,
        catalog: Catalog,
        *,
        tick_seconds: int = 60,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.service = service
        self.catalog = catalog
        self.tick_seconds = max(1, tick_seconds)
        self.clock = clock
        self._lock = asyncio.Lock()
        self._again = False  # a tick was asked for while one ran: one more after it
        self._stopping = False
        self._catching_up = False  # the tick at start runs (stop may cancel it)
        self._first: asyncio.Task[None] | None = None

    def add_jobs(self, scheduler: BaseScheduler) -> list[str]:
        """(Re)create the routine jobs on `scheduler` from the catalogue; their ids.

        Earlier routine jobs are replaced (never duplicated); other jobs are left alone.
        """
        # Two instances: the running tick, and a firing that only asks for one more (`tick`).
        options = {"coalesce": True, "max_instances": 2, "misfire_grace_time": None}
        for job in scheduler.get_jobs():
            if job.id.startswith("routine:") or job.id == SAFETY_JOB_ID:
                job.remove()
        for routine in self.catalog.enabled:
            trigger = CronTrigger(
                hour=routine.time.hour, minute=routine.time.minute, timezone=routine.timezone
            )
            scheduler.add_job(
                self.tick, trigger, id=f"routine:{routine.id}", replace_existing=True, **options
            )
        scheduler.add_job(
            self.safety_tick,
            IntervalTrigger(seconds=self.tick_seconds),
            id=SAFETY_JOB_ID,
            replace_existing=True,
            **options,
        )
        return [f"routine:{routine.id}" for routine in self.catalog.enabled] + [SAFETY_JOB_ID]

    async def start(self) -> None:
        """Catch up right away (the scheduler's jobs keep it up afterwards)."""
        self._first = asyncio.create_task(self.tick(catch_up=True))

    async def stop(self) -> None:
        """Cancel the catch-up tick if it still runs; let a scheduled tick finish its step.
        (Stop the scheduler first, so no new tick starts meanwhile.)"""
        self._stopping = True  # no further tick after the running one
        if self._first is not None and self._catching_up and not self._first.done():
            self._first.cancel()
        async with self._lock:  # let a tick in progress finish its current step
            pass

    async def tick(self, *, catch_up: bool = False) -> None:
        """A tick now, then one more if any was asked for meanwhile (however many: one).
        While a tick runs, a call only asks for that one more and returns at once.
        `catch_up`: the tick at start, the only one `stop` cancels (not the ones after it)."""
        if self._lock.locked():
            self._again = True
            log.debug("tick asked for while one runs; one more follows it")
            return
        async with self._lock:
            self._again, self._catching_up = True, catch_up
            while self._again and not self._stopping:
                self._again = False
                try:
                    await self._tick_once()
                finally:
                    self._catching_up = False

    async def safety_tick(self) -> None:
        """The periodic catch-up: a tick, unless one is running (it is the catch-up)."""
        if self._lock.locked():
            log.debug("safety tick not needed: a tick is running")
            return
        await self.tick()

    async def _tick_once(self) -> None:
        try:
            report = await self.service.tick(self.clock(), clock=self.clock)
        except Exception:
            log.exception("routine tick failed; the next tick retries")
            return
        if report.created or report.dispatch.total_sent or report.dispatch.retried:
            log.info(
                "routine tick",
                extra={  # "created" would clash with the LogRecord attribute of that name
                    "new_occurrences": len(report.created),
                    "sent": report.dispatch.total_sent,
                    "retrying": report.dispatch.retried,
                    "failed": report.dispatch.failed,
                },
            )
