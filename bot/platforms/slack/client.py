"""The Slack front end's configuration, its Web API client (one per process) and the
bolt App around that client."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

# slack_sdk decides whether to build its DEBUG lines (each request's parameters, each
# response's headers and body: message text and platform ids) from its logger's own
# level, not the effective one, so with the level left unset (NOTSET, below DEBUG) it
# built them for every call and dropped them (bot/logs.py quiets "slack_sdk" itself): a
# few percent of a replica's CPU in a burst of clicks. Its own logger, its own level, never
# DEBUG: those lines must not reach the logs anyway.
_QUIET = logging.getLogger("slack_sdk.web.gdprbot")
_QUIET.setLevel(logging.WARNING)


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    signing_secret: str = ""
    app_token: str = ""
    api_url: str = "https://slack.com/api/"


def make_web_client(
    config: SlackConfig,
    session: aiohttp.ClientSession | None = None,
    *,
    rate_limit_retries: int = 3,
) -> AsyncWebClient:
    """A Web API client pointed at `api_url` that honours 429 Retry-After and retries 5xx."""
    base_url = config.api_url if config.api_url.endswith("/") else config.api_url + "/"
    return AsyncWebClient(
        token=config.bot_token or None,
        base_url=base_url,
        session=session,
        logger=_QUIET,
        timeout=10,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def bolt_app(client: AsyncWebClient, **options: Any) -> AsyncApp:
    """bolt's App on our client, with one token source: the client's (the bot token setting).

    Given no `token`, bolt reads SLACK_BOT_TOKEN from the environment itself and, as a
    client is given too, warned at every start that it ignores that one. The variable is
    hidden while the App is built (at start-up, before other threads run), then restored."""
    hidden = os.environ.pop("SLACK_BOT_TOKEN", None)
    try:
        return AsyncApp(client=client, **options)
    finally:
        if hidden is not None:
            os.environ["SLACK_BOT_TOKEN"] = hidden
