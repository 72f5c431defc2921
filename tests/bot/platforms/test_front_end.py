"""Every platform is one `FrontEnd`, built alike from its config and the shared context."""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Iterator

import pytest

from bot.app import Services, build_services
from bot.config import Settings
from bot.platforms.console.front_end import ConsoleFrontEnd
from bot.platforms.front_end import FrontEnd
from bot.platforms.slack.front_end import SlackFrontEnd
from bot.platforms.teams.front_end import TeamsFrontEnd
from knowledge import KnowledgeBase

FRONT_ENDS = (ConsoleFrontEnd, SlackFrontEnd, TeamsFrontEnd)


@pytest.fixture
def services(bot_settings: Settings, test_knowledge: KnowledgeBase) -> Iterator[Services]:
    """Slack and Teams both on (nothing is started: no call leaves the machine)."""
    teams = {"teams_enabled": True, "microsoft_app_id": "app", "microsoft_app_password": "pw"}
    settings = bot_settings.model_copy(update=teams)
    built = build_services(settings, knowledge_base=test_knowledge)
    yield built
    built.engine.dispose()


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_every_front_end_is_built_from_its_config_and_the_shared_context(
    front_end: type,
) -> None:
    parameters = list(inspect.signature(front_end.__init__).parameters)
    assert parameters[:3] == ["self", "config", "context"]


def test_the_composition_root_runs_each_platform_as_one_front_end(services: Services) -> None:
    assert set(services.front_ends) == {"console", "slack", "teams"}
    for platform, front_end in services.front_ends.items():
        assert isinstance(front_end, FrontEnd)
        assert front_end.platform == platform
        assert platform in services.notifier.platforms
        assert front_end.start in services.startup and front_end.close in services.shutdown


def test_slack_is_built_without_bolt_warning_of_a_second_token(
    bot_settings: Settings,
    test_knowledge: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")  # as deployed
    with caplog.at_level(logging.WARNING, logger="slack_bolt"):
        built = build_services(bot_settings, knowledge_base=test_knowledge)
    built.engine.dispose()
    assert "slack" in built.front_ends
    assert not [r for r in caplog.records if r.name.startswith("slack_bolt")]
    assert os.environ["SLACK_BOT_TOKEN"] == "xoxb-from-the-environment"
