"""Campaign audiences by channel membership: a training routine with `assignees: channel`
is for everyone in the channels it posts to, as the platform's roster says (the
`Directory` port: Slack `conversations.members`). Each run enrols the members not yet in
the campaign's open occurrences; the routine tick then sends each newcomer the campaign
in a DM. The job runs every `EVERY_MINUTES` (and once at start), so someone who joins a
channel gets its onboarding campaign well within a day. Nobody is removed: who was
assigned stays in the evidence. A platform without a directory (the console, Teams) has
no roster: its channels' campaigns are logged once per run as not enrolled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Final

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.chat.ports import Directory
from routines.service import QuizService

log = logging.getLogger(__name__)

JOB_ID: Final = "training-audiences"
EVERY_MINUTES: Final = 60


class TrainingAudienceJob:
    def __init__(
        self,
        quizzes: QuizService,
        directories: Mapping[str, Directory],
        clock: Callable[[], datetime],
    ) -> None:
        self._quizzes = quizzes
        self._directories = dict(directories)
        self._clock = clock

    async def run_once(self) -> int:
        """Enrol every channel audience's members; how many people joined a campaign."""
        joined = 0
        for routine_id, channels in self._quizzes.channel_audiences().items():
            for platform, channel in channels:
                directory = self._directories.get(platform)
                if directory is None:
                    log.warning(
                        "training audience by channel: the platform has no roster",
                        extra={"routine_id": routine_id, "platform": platform},
                    )
                    continue
                members = await directory.members(channel)
                if members is None:  # cannot tell now; the next run tries again
                    continue
                joined += await asyncio.to_thread(
                    self._quizzes.enroll_members, routine_id, platform, members, self._clock()
                )
        if joined:
            log.info("training audiences: people enrolled", extra={"count": joined})
        return joined

    def add_jobs(self, scheduler: BaseScheduler) -> list[str]:
        scheduler.add_job(
            self.run_once,
            IntervalTrigger(minutes=EVERY_MINUTES),
            id=JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),  # once at start, then every EVERY_MINUTES
        )
        return [JOB_ID]
