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
It also builds a new ConnectorClient and UserTokenClient per turn; each costs about
20 ms of CPU on the event loop (msrest's retry policy setup) and a fresh HTTP session
(a new TLS handshake per reply). `ReusingAuthentication` keeps one client per
(app, service URL, audience), as botbuilder's older BotFrameworkAdapter did.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient
from msrest.authentication import Authentication
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.chat import metrics
from bot.chat.pseudonyms import log_pseudonym
from bot.platforms.teams.config import BotFrameworkConfig

log = logging.getLogger(__name__)


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


# A handful of Teams service URLs exist per region; the bound only guards against abuse.
MAX_CACHED_CLIENTS = 64


class _ReusingConnectorFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, app_id: str, cache: dict[Any, Any]) -> None:
        self._inner = inner
        self._app_id = app_id
        self._cache = cache

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = ("connector", self._app_id, service_url, audience or "")
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            _remember(self._cache, key, client)
        return client


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= MAX_CACHED_CLIENTS:
        cache.pop(next(iter(cache)))
    cache[key] = value


def _app_id_of(claims: ClaimsIdentity | None) -> str:
    if claims is None:
        return ""
    found = claims.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
    found = found or claims.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
    return str(found or "")


class ReusingAuthentication(BotFrameworkAuthentication):
    """Delegates everything; hands out one connector / token client per app and URL."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._cache: dict[Any, Any] = {}

    def _reusing(
        self, claims: ClaimsIdentity | None, factory: ConnectorFactory
    ) -> ConnectorFactory:
        return _ReusingConnectorFactory(factory, _app_id_of(claims), self._cache)

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result: AuthenticateRequestResult = await self._inner.authenticate_request(
            activity, auth_header
        )
        if result.connector_factory is not None:
            result.connector_factory = self._reusing(
                result.claims_identity, result.connector_factory
            )
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        result: AuthenticateRequestResult = await self._inner.authenticate_streaming_request(
            auth_header, channel_id_header
        )
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = self._inner.create_connector_factory(claims_identity)
        return self._reusing(claims_identity, inner)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = ("token", _app_id_of(claims_identity))
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            _remember(self._cache, key, client)
        return client

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        identity: ClaimsIdentity = await self._inner.authenticate_channel_request(auth_header)
        return identity


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
    adapter = CloudAdapter(ReusingAuthentication(auth))
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
    activity = log_pseudonym(getattr(context.activity, "id", None))
    if isinstance(
        error, HttpOperationError | ClientRequestError | aiohttp.ClientError | TimeoutError
    ):
        # The connector refused a reply or could not be reached (the bot removed from the
        # chat, throttling, an outage): one line with the status, as Slack's failed posts.
        # No traceback: the connector's message in it can name conversations.
        status = getattr(getattr(error, "response", None), "status_code", None)
        log.warning(
            "teams reply failed",
            extra={"activity": activity, "error": type(error).__name__, "status": status or ""},
        )
        metrics.ERRORS.labels("delivery").inc()
        return
    log.error("teams turn failed", exc_info=error, extra={"activity": activity})
