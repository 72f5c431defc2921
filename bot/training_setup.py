"""Quizzes, built from the bot's services (called from bot/app.py's `_add_routines`).

Loads the question bank (shipped + `GDPRBOT_QUIZ_DIR`; a broken bank stops the bot with
`knowledge.KnowledgeError`, one `path:line: field: problem` each) over the routines
service that runs the campaigns, and adds `utbildning`/`training`, `öva`/`practice` and
the quiz's choice buttons; `rapport utbildning` / `report training` under the report
command; the hourly job that enrols campaigns' channel members (`assignees: channel`);
on the web overview, the training headline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.reports import ReportFeature
from bot.features.training import QUIZ_KIND, TrainingFeature, training_feature
from bot.features.training_audience import TrainingAudienceJob
from bot.features.training_panel import TrainingPanel
from bot.features.training_reports import WORDS, TrainingReports
from routines.service import ReportService, RoutineService

if TYPE_CHECKING:
    from bot.app import Services


def add_training(services: Services, service: RoutineService) -> TrainingFeature:
    settings = services.settings
    quiz = training_feature(
        service, services.knowledge, settings.quiz_paths, services.now, settings.timezone,
        services.policy,
    )  # fmt: skip
    services.add_feature(quiz)
    _add_training_report(services, service)
    directories = {
        platform: directory
        for platform, front_end in services.front_ends.items()
        if (directory := getattr(front_end, "directory", None)) is not None
    }
    audiences = TrainingAudienceJob(service.quiz, directories, services.now)
    if service.quiz.channel_audiences():  # campaigns for everyone in a channel
        audiences.add_jobs(services.scheduler)
    services.conversation.add_choice_handler(QUIZ_KIND, quiz.on_pick)
    if services.web is not None:  # the overview's headline for officers and team leads
        services.web.add_panel(TrainingPanel(service.quiz, settings.timezone))
    return quiz


def _add_training_report(services: Services, service: RoutineService) -> None:
    """`rapport utbildning` / `report training` under the report command (officers, and
    team leads for their campaigns: the policy's `training.report`)."""
    reports = next(
        (f for f in services.conversation.features if isinstance(f, ReportFeature)), None
    )
    if reports is None:  # no report command in this bot: nothing to hang it on
        return
    settings = services.settings
    source = ReportService(services.sessions, service.catalog, timezone=settings.timezone,
                           organisation=settings.organisation)  # fmt: skip
    handler = TrainingReports(source, reports, policy=services.policy, clock=services.now)
    reports.add_report(WORDS, handler)
