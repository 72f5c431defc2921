"""The Slack front end's configuration, its Web API client (one per process) and the
bolt App around that client."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import FormData
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.web.deprecation import show_deprecation_warning_if_any
from slack_sdk.web.internal_utils import _build_req_args, _get_url

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


_URLS: dict[tuple[str, str], str] = {}  # (base URL, method) -> the method's URL


class _WebClient(AsyncWebClient):
    """slack_sdk's client, with each method's URL joined once and its deprecation check
    made once. slack_sdk does both on every call: `urljoin` of the base URL and the method
    name, an environment read and three scans of deprecated prefixes, about 0.15 ms of
    CPU a call on a 2-core machine of 2026-11-30, three calls a confirmation click (the
    person, the channel's roster, the reply). Everything else is slack_sdk's own `_send`:
    the same request arguments, retries and response checks."""

    async def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | FormData | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> AsyncSlackResponse:
        if files is not None or auth is not None:  # uploads, OAuth: slack_sdk's whole way
            return await super().api_call(
                api_method, http_verb=http_verb, files=files, data=data, params=params,
                json=json, headers=headers, auth=auth,
            )  # fmt: skip
        url = _URLS.get((self.base_url, api_method))
        if url is None:
            show_deprecation_warning_if_any(api_method)
            url = _URLS[(self.base_url, api_method)] = _get_url(self.base_url, api_method)
        arguments: dict[str, Any] = {  # slack_sdk's own types are narrower than its use
            "token": self.token, "http_verb": http_verb, "files": None, "data": data,
            "default_params": self.default_params, "params": params, "json": json,
            "headers": {**(headers or {}), **self.headers}, "auth": None,
            "ssl": self.ssl, "proxy": self.proxy,
        }  # fmt: skip
        req_args = _build_req_args(**arguments)
        return await self._send(http_verb=http_verb, api_url=url, req_args=req_args)


def make_web_client(
    config: SlackConfig,
    session: aiohttp.ClientSession | None = None,
    *,
    rate_limit_retries: int = 3,
) -> AsyncWebClient:
    """A Web API client pointed at `api_url` that honours 429 Retry-After and retries 5xx."""
    base_url = config.api_url if config.api_url.endswith("/") else config.api_url + "/"
    return _WebClient(
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
