"""The Slack front end's configuration and its Web API client (one per process)."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient


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
        timeout=10,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )
