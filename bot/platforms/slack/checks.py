"""What `gdpr-bot doctor` asks Slack: is the token good, are its scopes the manifest's, can
the Socket Mode token connect (when set), and is the bot a member of every routine
channel. Read-only Web API calls, nothing posted.

Findings are plain `(level, check, detail)` tuples (level: ok / warn / fail) so this
adapter stays free of the CLI; the doctor prints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.client import SlackConfig, make_web_client

Finding = tuple[str, str, str]

# The bot-token scopes of docs/slack-app-manifest.yaml (tests/bot/platforms/slack keeps
# the two equal): what a token must have been granted.
SCOPES: frozenset[str] = frozenset(
    {
        "app_mentions:read", "channels:read", "chat:write", "commands", "files:write",
        "groups:read", "im:history", "im:write", "users:read", "users:read.email",
    }
)  # fmt: skip

_CHANNEL_FIX = {
    "not_in_channel": "invite the bot: /invite @gdpr-bot in the channel",
    "channel_not_found": "no such channel, or a private one the bot is not in: "
    "check post_to in the routine catalogue, or /invite @gdpr-bot there",
    "is_archived": "the channel is archived: unarchive it or move the routine",
}


async def check_slack(config: SlackConfig, channels: Iterable[str]) -> list[Finding]:
    """auth.test, the granted scopes, then each channel's existence and membership."""
    async with aiohttp.ClientSession() as session:
        client = make_web_client(config, session, rate_limit_retries=1)
        found = await _token(client)
        if found[0][0] == "fail":
            return found
        if config.app_token:
            found.append(await _socket_mode(client, config.app_token))
        for channel in sorted(set(channels)):
            found.append(await _channel(client, channel))
        return found


async def _token(client: AsyncWebClient) -> list[Finding]:
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        return [("fail", "slack token", f"auth.test refused it ({error}): check SLACK_BOT_TOKEN")]
    except (aiohttp.ClientError, TimeoutError) as exc:
        return [("fail", "slack token", f"Slack unreachable ({exc.__class__.__name__})")]
    team = str(response.get("team", "")) or "?"
    found: list[Finding] = [("ok", "slack token", f"valid for workspace {team}")]
    header = _header(response.headers, "x-oauth-scopes")
    if header is None:
        found.append(("warn", "slack scopes", "Slack did not say which scopes were granted"))
        return found
    granted = {s.strip() for s in header.split(",") if s.strip()}
    missing = sorted(SCOPES - granted)
    if missing:
        found.append(
            (
                "fail",
                "slack scopes",
                f"missing {', '.join(missing)}: paste docs/slack-app-manifest.yaml into the "
                "app's manifest and reinstall it",
            )
        )
    else:
        found.append(("ok", "slack scopes", f"all {len(SCOPES)} the manifest asks for"))
    return found


async def _socket_mode(client: AsyncWebClient, app_token: str) -> Finding:
    """The app-level token can open a Socket Mode connection (the URL is not used)."""
    try:
        await client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        return ("fail", "slack socket mode", f"apps.connections.open refused SLACK_APP_TOKEN "
                f"({error}): enable Socket Mode and give the token connections:write")  # fmt: skip
    except (aiohttp.ClientError, TimeoutError) as exc:
        return ("fail", "slack socket mode", f"Slack unreachable ({exc.__class__.__name__})")
    return ("ok", "slack socket mode", "the app-level token can connect")


async def _channel(client: AsyncWebClient, channel: str) -> Finding:
    name = f"slack channel {channel}"
    try:
        response = await client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        return ("fail", name, _CHANNEL_FIX.get(error, f"conversations.info failed ({error})"))
    except (aiohttp.ClientError, TimeoutError) as exc:
        return ("fail", name, f"Slack unreachable ({exc.__class__.__name__})")
    info = response.get("channel") or {}
    if info.get("is_archived"):
        return ("fail", name, _CHANNEL_FIX["is_archived"])
    if not info.get("is_member"):
        return ("fail", name, _CHANNEL_FIX["not_in_channel"])
    return ("ok", name, "exists and the bot is a member")


def _header(headers: object, name: str) -> str | None:
    """A header from a response (a dict or aiohttp's multidict), by case-blind name."""
    if not isinstance(headers, Mapping):
        return None
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None
