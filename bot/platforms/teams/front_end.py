"""The Teams front end: the /api/messages endpoint and the proactive notifier.

The composition root builds `TeamsFrontEnd(config, context)` from Settings (see
`bot.app.bot_framework_config`), mounts its route on the one aiohttp server and
registers `notifier` for routine notices on platform "teams".

With a durable inbox (`FrontEndContext.inbox`), an authenticated message or card submit
(a routine's Confirm button) is stored with its claim before Bot Framework gets its 200,
and its turn runs afterwards (`_work`): a turn built from the stored activity, whose
replies and card updates go through the connector at the activity's serviceUrl and
conversation, as proactive notices do. A process killed in between leaves the row; after
its lease any replica runs the turn (bot/chat/inbox_worker.py).
"""

from __future__ import annotations

import json

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.chat.inbox_worker import InboxWorker
from bot.platforms.front_end import FrontEndContext
from bot.platforms.teams.activities import PLATFORM
from bot.platforms.teams.auth import make_adapter
from bot.platforms.teams.config import BotFrameworkConfig
from bot.platforms.teams.handler import RAW_ACTIVITY_KEY, STORED_KEY, TeamsBot, TeamsEndpoint
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
        self._app_id = config.APP_ID
        self.adapter = make_adapter(config, credentials_factory=credentials_factory)
        self.notifier = TeamsNotifier(
            self.adapter, context.references, app_id=config.APP_ID, clock=context.pipeline.now
        )
        self._bot = TeamsBot(context, private=self.notifier, authenticated=config.auth_enabled)
        self._inbox = (
            None
            if context.inbox is None
            else InboxWorker(context.inbox, PLATFORM, self._work, clock=context.pipeline.now)
        )
        self.endpoint = TeamsEndpoint(
            self.adapter,
            self._bot,
            auth_enabled=config.auth_enabled,
            tenants=config.TENANTS,
            accept=None if self._inbox is None else self._inbox.accept,
        )

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(MESSAGES_PATH, self.endpoint.handle)

    async def start(self) -> None:
        """Take over stored activities of dead processes (Teams calls us; replies go
        through the adapter per turn)."""
        if self._inbox is not None:
            self._inbox.start()

    async def settled(self) -> None:
        """Wait until the activities accepted so far have had their turn."""
        if self._inbox is not None:
            await self._inbox.settled()

    async def close(self) -> None:
        """Finish the turns of activities already acknowledged (up to 10 s)."""
        if self._inbox is not None:
            await self._inbox.close()

    async def _work(self, kind: str, body: str, stored: bool) -> None:
        """One stored activity's turn, outside its HTTP request: the bot's own identity
        and a connector to the activity's serviceUrl, as for a proactive notice."""
        payload = json.loads(body)
        activity = Activity().deserialize(payload)

        async def turn(context: TurnContext) -> None:
            context.turn_state[RAW_ACTIVITY_KEY] = payload
            context.turn_state[STORED_KEY] = stored
            await self._bot.on_turn(context)

        identity = self.adapter.create_claims_identity(self._app_id)
        await self.adapter.process_proactive(identity, activity, None, turn)
