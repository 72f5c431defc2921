"""Bot Framework authentication for the Teams front end, kept off the event loop.

botbuilder-python does two blocking things an asyncio server must not do per request:
- inbound, it fetches Microsoft's OpenID signing keys with `requests` (no timeout) on
  the first request and once a day after; `authenticate` therefore runs the check in a
  worker thread whenever authentication is on, so a slow login.botframework.com holds
  up Teams requests only, never Slack or the scheduler;
- outbound, CloudAdapter builds new app credentials for every turn, and so a new MSAL
  client with an empty token cache: one synchronous token request to
  login.microsoftonline.com per message. `CachedCredentialsFactory` hands out the
  same credentials object per (app, scope, authority), so MSAL's cache is reused
  and a token is fetched about once an hour.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, ServiceClientCredentialsFactory
from msrest.authentication import Authentication

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotFrameworkConfig:
    """The attribute names botbuilder's configuration objects expect, from our Settings."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TENANTID: str = ""
    APP_TYPE: str = "MultiTenant"

    @property
    def auth_enabled(self) -> bool:
        return bool(self.APP_ID)


class CachedCredentialsFactory(ServiceClientCredentialsFactory):
    """Reuse one credentials object (and its MSAL token cache) per app, scope and authority."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self._inner = inner
        self._cache: dict[tuple[str, str, str, bool], Authentication] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self._inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self._inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        key = (app_id or "", oauth_scope or "", login_endpoint or "", bool(validate_authority))
        credentials = self._cache.get(key)
        if credentials is None:
            credentials = await self._inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
            self._cache[key] = credentials
        return credentials


def make_adapter(
    config: BotFrameworkConfig,
    *,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
) -> CloudAdapter:
    """A CloudAdapter authenticating with `config` (with no app id: auth is off)."""
    factory = CachedCredentialsFactory(
        credentials_factory or ConfigurationServiceClientCredentialFactory(config, logger=log)
    )
    auth = ConfigurationBotFrameworkAuthentication(config, credentials_factory=factory, logger=log)
    adapter = CloudAdapter(auth)
    adapter.on_turn_error = _on_turn_error
    return adapter


async def authenticate(
    adapter: CloudAdapter, activity: Activity, authorization: str, *, off_loop: bool
) -> AuthenticateRequestResult:
    """Check the request's token; raises (PermissionError, JWT errors...) when it fails.

    `off_loop` (use it whenever authentication is on) runs the check in a worker thread.
    """
    check = adapter.bot_framework_authentication.authenticate_request
    if not off_loop:
        result: AuthenticateRequestResult = await check(activity, authorization)
        return result
    # A fresh event loop in a worker thread: the check may block on `requests`.
    return await asyncio.to_thread(asyncio.run, check(activity, authorization))


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    log.error(
        "teams turn failed",
        exc_info=error,
        extra={"activity_id": getattr(context.activity, "id", None)},
    )
