"""docs/slack-app-manifest.yaml asks Slack for exactly what the bot's code uses.

The Web API methods, events and slash commands are read from the code (tests/code_scan.py
scans every file under bot/), mapped to the bot-token scopes Slack requires for them, and
compared with the manifest both ways: a scope the code needs is requested, and a scope
nothing uses is not (unless README's scope table says why it is requested anyway).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.code_scan import (
    slack_api_calls,
    slack_event_types,
    slack_slash_commands,
)
from tests.conftest import REPO

# Bot-token scopes each Web API method needs ("Scopes → Bot token" on the method's page,
# https://docs.slack.dev/reference/methods/<method>). A tuple lists alternatives: any
# one of them is enough (conversations.open needs im:write for the 1:1 DMs we open).
SCOPES_BY_METHOD: dict[str, tuple[str, ...]] = {
    "apps.connections.open": (),  # the app-level token's connections:write, no bot scope
    "auth.test": (),
    "chat.delete": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.info": ("channels:read", "groups:read"),
    "conversations.members": ("channels:read", "groups:read"),
    "conversations.open": ("im:write",),
    "files.completeUploadExternal": ("files:write",),
    "files.getUploadURLExternal": ("files:write",),
    "reactions.add": ("reactions:write",),
    "users.info": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "views.open": (),
    "views.publish": (),
    "views.update": (),
}
# Scopes for bot events (https://docs.slack.dev/reference/events/<event>), and slash commands.
SCOPES_BY_EVENT: dict[str, str | None] = {
    "app_home_opened": None,
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "member_joined_channel": "channels:read",
}
SLASH_COMMAND_SCOPE = "commands"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    text = (REPO / "docs" / "slack-app-manifest.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


@pytest.fixture(scope="module")
def requested(manifest: dict[str, Any]) -> set[str]:
    return set(manifest["oauth_config"]["scopes"]["bot"])


@pytest.fixture(scope="module")
def bot_events(manifest: dict[str, Any]) -> list[str]:
    return list(manifest["settings"]["event_subscriptions"]["bot_events"])


def needed_scopes(manifest: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Why (a method, event or the slash command) -> the scopes that satisfy it (any one)."""
    needed = {method: SCOPES_BY_METHOD[method] for method in sorted(slack_api_calls())}
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        scope = SCOPES_BY_EVENT[event]
        needed[f"event {event}"] = (scope,) if scope else ()
    if manifest["features"].get("slash_commands"):
        needed["slash command"] = (SLASH_COMMAND_SCOPE,)
    return {why: scopes for why, scopes in needed.items() if scopes}


def readme_scope_table() -> dict[str, str]:
    """README's `| \\`scope\\` | used for |` rows under "Install in Slack"."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Install in Slack", 1)[1].split("\n## ", 1)[0]
    return {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r"^\| `([a-z_.:]+)` \| (.+?) \|$", section, re.MULTILINE)
    }


def test_the_scan_finds_the_calls_the_bot_is_known_to_make() -> None:
    # Guards against a scan that silently finds nothing.
    calls = slack_api_calls()
    assert {"chat.postMessage", "chat.update", "users.lookupByEmail"} <= set(calls)
    assert "files.getUploadURLExternal" in calls  # through files_upload_v2


def test_every_method_the_code_calls_has_its_scopes_in_the_table() -> None:
    unknown = sorted(set(slack_api_calls()) - set(SCOPES_BY_METHOD))
    assert not unknown, (
        f"add {unknown} to SCOPES_BY_METHOD with the bot scopes from "
        "https://docs.slack.dev/reference/methods/<method>"
    )


def test_every_subscribed_event_is_handled_and_has_a_known_scope(bot_events: list[str]) -> None:
    handled = slack_event_types()
    for event in bot_events:
        assert event in SCOPES_BY_EVENT, f"add {event} to SCOPES_BY_EVENT"
        assert event.split(".")[0] in handled, f"the manifest subscribes {event}; no listener"


def test_scopes_cover_everything_the_code_calls(
    manifest: dict[str, Any], requested: set[str]
) -> None:
    needed = needed_scopes(manifest)
    missing = {why: scopes for why, scopes in needed.items() if not set(scopes) & requested}
    assert not missing, f"the manifest lacks scopes the code needs: {missing}"


def test_no_scope_is_requested_that_nothing_uses(
    manifest: dict[str, Any], requested: set[str]
) -> None:
    used = {scope for scopes in needed_scopes(manifest).values() for scope in scopes}
    justified = {
        scope
        for scope, why in readme_scope_table().items()
        if "not called by the code" in why.lower()
    }
    unused = sorted(requested - used - justified)
    assert not unused, (
        f"the manifest requests {unused} but no code uses them: remove them, or say in "
        'README\'s scope table why they are requested ("not called by the code: ...")'
    )


def test_readme_explains_every_requested_scope(requested: set[str]) -> None:
    assert set(readme_scope_table()) == requested


def test_events_are_the_ones_the_bot_handles(bot_events: list[str]) -> None:
    handled = {"app_home_opened", "app_mention", "member_joined_channel", "message.im"}
    assert set(bot_events) == handled


def test_every_request_url_is_the_bots_slack_endpoint(manifest: dict[str, Any]) -> None:
    urls = [
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
        *(c["url"] for c in manifest["features"]["slash_commands"]),
    ]

    assert all(url.endswith("/slack/events") for url in urls)


def test_slash_command_is_the_one_the_bot_listens_to(manifest: dict[str, Any]) -> None:
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == slack_slash_commands() == {"/gdpr"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
