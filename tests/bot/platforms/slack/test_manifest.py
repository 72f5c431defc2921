"""docs/slack-app-manifest.yaml asks Slack for exactly what the bot listens to."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import REPO


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    text = (REPO / "docs" / "slack-app-manifest.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def test_events_are_the_ones_the_bot_handles(manifest: dict[str, Any]) -> None:
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])

    assert events == {"app_home_opened", "app_mention", "message.im"}


def test_every_request_url_is_the_bots_slack_endpoint(manifest: dict[str, Any]) -> None:
    urls = [
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
        *(c["url"] for c in manifest["features"]["slash_commands"]),
    ]

    assert all(url.endswith("/slack/events") for url in urls)


def test_slash_command_and_home_tab(manifest: dict[str, Any]) -> None:
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/gdpr"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_scopes_cover_what_the_bot_calls(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])

    needed = {"chat:write", "im:history", "im:write", "app_mentions:read", "commands"}
    assert needed | {"files:write", "users:read", "users:read.email"} <= scopes
