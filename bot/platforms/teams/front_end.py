"""The Teams front end: the /api/messages endpoint and the proactive notifier.

The composition root builds `TeamsFrontEnd(config, context)` from Settings (see
`bot.app.bot_framework_config`), mounts its route on the one aiohttp server and
registers `notifier` for routine notices on platform "teams".
"""

from __future__ import annotations

from aiohttp import web
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.platforms.front_end import FrontEndContext
from bot.platforms.teams.auth import make_adapter
from bot.platforms.teams.config import BotFrameworkConfig
from bot.platforms.teams.handler import TeamsBot, TeamsEndpoint
from bot.platforms.teams.notifier import TeamsNotifier

MESSAGES_PATH = "/api/messages"


class TeamsFrontEnd:
    platform = "teams"

    def __init__(
        self,
        config: BotFrameworkConfig,
        context: FrontEndContext,
        *,
        credentials_factory: ServiceClientCredentialsFactory | None = None,
    ) -> None:
        """`credentials_factory` replaces Microsoft's login service (tests)."""
        self.adapter = make_adapter(config, credentials_factory=credentials_factory)
        self.notifier = TeamsNotifier(
            self.adapter, context.references, app_id=config.APP_ID, clock=context.pipeline.now
        )
        bot = TeamsBot(context, private=self.notifier, authenticated=config.auth_enabled)
        self.endpoint = TeamsEndpoint(
            self.adapter, bot, auth_enabled=config.auth_enabled, tenants=config.TENANTS
        )

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(MESSAGES_PATH, self.endpoint.handle)

    async def start(self) -> None:
        """Nothing to open: Teams calls us, and replies go through the adapter per turn."""

    async def close(self) -> None:
        """Nothing to close: a turn in progress finishes with its HTTP request."""
