"""Build the Teams front end from Settings: the /api/messages endpoint and the notifier.

The composition root (`bot/app.py`) calls `build_teams` and mounts `add_routes` on the
one aiohttp application; routine delivery registers `notifier` for platform "teams".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botframework.connector.auth import ServiceClientCredentialsFactory
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.messages import Reply
from bot.config import Settings, SettingsError
from bot.platforms.teams.auth import BotFrameworkConfig, make_adapter
from bot.platforms.teams.handler import Handles, TeamsBot, TeamsEndpoint
from bot.platforms.teams.notifier import TeamsNotifier
from bot.platforms.teams.references import Clock, TeamsReferences

MESSAGES_PATH = "/api/messages"


@dataclass(frozen=True)
class TeamsFrontEnd:
    endpoint: TeamsEndpoint
    notifier: TeamsNotifier
    adapter: CloudAdapter

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(MESSAGES_PATH, self.endpoint.handle)


class TeamsSettingsError(SettingsError):
    """The Microsoft app settings do not fit together; the message names the variables."""


APP_TYPES = {
    "multitenant": "MultiTenant",
    "singletenant": "SingleTenant",
    "userassignedmsi": "UserAssignedMSI",
}


def bot_framework_config(settings: Settings) -> BotFrameworkConfig:
    """botbuilder's configuration from our Settings, refusing combinations that cannot work."""
    app_type = APP_TYPES.get((settings.microsoft_app_type or "MultiTenant").lower())
    if app_type is None:
        raise TeamsSettingsError(f"MicrosoftAppType must be one of {', '.join(APP_TYPES.values())}")
    config = BotFrameworkConfig(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD=settings.microsoft_app_password,
        APP_TENANTID=settings.microsoft_app_tenant_id,
        APP_TYPE=app_type,
    )
    if not config.APP_ID:
        return config  # authentication off: local development only
    if app_type != "UserAssignedMSI" and not config.APP_PASSWORD:
        raise TeamsSettingsError("MicrosoftAppId is set but MicrosoftAppPassword is empty")
    if app_type != "MultiTenant" and not config.APP_TENANTID:
        raise TeamsSettingsError(f"MicrosoftAppType={app_type} needs MicrosoftAppTenantId")
    return config


def build_teams(
    settings: Settings,
    conversation: Handles,
    sessions: sessionmaker[Session],
    *,
    welcome: Callable[[], Sequence[Reply]] | None = None,
    clock: Clock | None = None,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
) -> TeamsFrontEnd:
    """Everything Teams needs; `credentials_factory` replaces Microsoft's login (tests)."""
    config = bot_framework_config(settings)
    adapter = make_adapter(config, credentials_factory=credentials_factory)
    timing = {"clock": clock} if clock is not None else {}
    notifier = TeamsNotifier(adapter, TeamsReferences(sessions), app_id=config.APP_ID, **timing)
    bot = TeamsBot(conversation, sessions, welcome=welcome, private=notifier, **timing)
    endpoint = TeamsEndpoint(adapter, bot, auth_enabled=config.auth_enabled)
    return TeamsFrontEnd(endpoint=endpoint, notifier=notifier, adapter=adapter)
