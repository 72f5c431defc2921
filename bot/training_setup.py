"""Quizzes, built from the bot's services (called from bot/app.py's `_add_routines`).

Loads the question bank (shipped + `GDPRBOT_QUIZ_DIR`; a broken bank stops the bot with
`knowledge.KnowledgeError`, one `path:line: field: problem` each) over the routines
service that runs the campaigns, and adds `utbildning`/`training`, `öva`/`practice` and
the quiz's choice buttons; on the web overview, the training headline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.training import QUIZ_KIND, TrainingFeature, training_feature
from bot.features.training_panel import TrainingPanel
from routines.service import RoutineService

if TYPE_CHECKING:
    from bot.app import Services


def add_training(services: Services, service: RoutineService) -> TrainingFeature:
    settings = services.settings
    quiz = training_feature(
        service, services.knowledge, settings.quiz_paths, services.now, settings.timezone
    )
    services.add_feature(quiz)
    services.conversation.add_choice_handler(QUIZ_KIND, quiz.on_pick)
    if services.web is not None:  # the overview's headline for officers and team leads
        services.web.add_panel(TrainingPanel(service.quiz, settings.timezone))
    return quiz
