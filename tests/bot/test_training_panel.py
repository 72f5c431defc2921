"""The overview's training headline: officers see every campaign, a team lead only their
routines' campaigns, anyone else nothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from bot.features.training_panel import TrainingPanel
from bot.web.access import Access
from routines.engine.acknowledgements import Actor
from routines.service import Training
from tests.routines.engine.test_training import CAMPAIGN
from tests.routines.routine_env import RecordingNotifier, at, catalog_from, make_service

ANNA = Actor("slack", "UANNA", "Anna")


def draw(lang: str, avoid: Sequence[str], training: Training) -> list[str]:
    return ["q1", "q2"]


async def panel_over_campaign(tmp_path: Path, engine: Engine) -> TrainingPanel:
    """Anna passed, Bo has not started; the campaign was due 2027-03-01."""
    service = make_service(engine, catalog_from(tmp_path, CAMPAIGN), RecordingNotifier())
    await service.tick(at("2027-02-15 09:00"))
    started = service.quiz.start(1, ANNA, "sv", draw, at("2027-02-15 10:00"))
    assert started.attempt is not None
    for position in range(2):
        service.quiz.answer(started.attempt.id, position, lambda q, lang: True, ANNA,
                            at("2027-02-15 10:00"))  # fmt: skip
    return TrainingPanel(service.quiz, "Europe/Stockholm")


async def test_an_officer_sees_running_campaigns_the_pass_share_and_who_is_overdue(
    tmp_path: Path, engine: Engine
) -> None:
    panel = await panel_over_campaign(tmp_path, engine)
    shown = panel.panel(Access("officer"), "sv", at("2027-03-10 09:00"))
    assert shown is not None and shown.title == "GDPR-utbildning"
    assert [(f.label, f.value) for f in shown.figures] == [
        ("Pågående utbildningar", "1"),
        ("Godkända", "1/2 (50%)"),
        ("Försenade personer", "1"),
    ]


async def test_a_team_lead_sees_only_their_routines_campaigns(
    tmp_path: Path, engine: Engine
) -> None:
    panel = await panel_over_campaign(tmp_path, engine)
    own = panel.panel(Access("lead", routines=frozenset({"onboarding-quiz"})), "en",
                      at("2027-03-10 09:00"))  # fmt: skip
    other = panel.panel(Access("lead", routines=frozenset({"retention"})), "en",
                        at("2027-03-10 09:00"))  # fmt: skip
    assert own is not None and own.figures[1].value == "1/2 (50%)"
    assert other is not None and other.figures == ()
