"""Fixtures for the Teams front end: Activities, the fake Bot Connector, a running bot.

`teams_bot` is the whole bot (`build_services` + the one aiohttp server, via the
shared `start_bot` fixture) with Teams enabled and Slack off, on a free loopback port,
over the shared test knowledge base; its `connector` is the fake Bot Connector every
Activity's `serviceUrl` points at. `TeamsBotServer.say("...")` posts a personal
message and returns what the bot sent back. Registered in tests/bot/conftest.py.

By default the bot runs in the insecure development mode (no app id, unsigned
activities), which answers questions only; `start_teams_bot(signed=True)` (and
`signed_teams_bot`) gives it an app id and signs every activity the test posts with the
test's Bot Framework key (tests/bot/platforms/teams/signing.py), as Teams does: use it for
anything a real user does beyond asking (routine actions, reports, desk requests).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.app import Services
from bot.config import Settings
from bot.platforms.teams.front_end import TeamsFrontEnd
from testing.bot_connector import ConnectorCall, FakeBotConnector, running_connector
from tests.bot.platforms.teams.signing import APP_ID, APP_PASSWORD, PrivateKey, token

BOT_ACCOUNT = {"id": "28:gdpr-bot", "name": "GDPR-boten"}
TENANT = "tenant-1"


def message_activity(service_url: str, **overrides: Any) -> dict[str, Any]:
    """A personal-chat message from Anna, as Teams would POST it."""
    activity: dict[str, Any] = {
        "type": "message",
        "id": "1700000000001",
        "text": "Hur länge sparar vi samtalsinspelningar?",
        "from": {"id": "29:anna", "aadObjectId": "aad-anna", "name": "Anna Andersson"},
        "recipient": BOT_ACCOUNT,
        "conversation": {
            "id": "a:anna-personal",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "channelId": "msteams",
        "serviceUrl": service_url,
        "locale": "sv-SE",
        "channelData": {"tenant": {"id": TENANT}},
    }
    activity.update(overrides)
    return activity


def channel_activity(service_url: str, **overrides: Any) -> dict[str, Any]:
    """A channel post that @mentions the bot."""
    channel: dict[str, Any] = {
        "text": "<at>GDPR-boten</at> hur länge sparar vi samtalsinspelningar?",
        "conversation": {
            "id": "19:kundservice@thread.tacv2;messageid=1699",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        },
        "channelData": {
            "tenant": {"id": TENANT},
            "team": {"id": "19:team@thread.tacv2"},
            "channel": {"id": "19:kundservice@thread.tacv2"},
        },
    }
    return message_activity(service_url, **{**channel, **overrides})


def install_activity(service_url: str, **overrides: Any) -> dict[str, Any]:
    """The conversationUpdate Teams sends when the bot is added to a team's channel."""
    base = channel_activity(service_url, type="conversationUpdate", membersAdded=[BOT_ACCOUNT])
    base.pop("text")
    base["conversation"] = {
        "id": "19:kundservice@thread.tacv2",
        "conversationType": "channel",
        "isGroup": True,
        "tenantId": TENANT,
    }
    base.update(overrides)
    return base


# --- reading what the bot sent -------------------------------------------------------------


def card_text(card: Mapping[str, Any] | None) -> str:
    """Every TextBlock text and fact on a card, one string, for `in` checks."""
    assert card is not None, "expected an Adaptive Card"
    parts: list[str] = []
    for element in card.get("body", []):
        if element.get("type") == "TextBlock":
            parts.append(element["text"])
        for fact in element.get("facts", []):
            parts.append(f"{fact['title']}: {fact['value']}")
    return "\n".join(parts)


def action_ids(card: Mapping[str, Any] | None) -> list[str]:
    assert card is not None, "expected an Adaptive Card"
    return [action["data"]["action_id"] for action in card.get("actions", []) if "data" in action]


def only(calls: Sequence[Any]) -> Any:
    assert len(calls) == 1, calls
    return calls[0]


@dataclass
class TeamsBotServer:
    """A running bot (the real composition root and web app) and its fake connector."""

    bot: Any  # tests.bot.conftest.RunningBot
    connector: FakeBotConnector
    signing_key: PrivateKey | None = None  # set: every post carries a Bot Framework JWT
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def services(self) -> Services:
        services: Services = self.bot.services
        return services

    @property
    def front_end(self) -> TeamsFrontEnd:
        assert self.services.teams is not None, "Teams is not enabled in these settings"
        return self.services.teams

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.services.sessions

    @property
    def messages_url(self) -> str:
        return f"{self.bot.url}/api/messages"

    def next_id(self) -> str:
        return f"activity-{next(self._ids)}"

    async def post(
        self, body: Any, *, headers: dict[str, str] | None = None, raw: bytes | None = None
    ) -> tuple[int, str]:
        """POST one Activity (or raw bytes); returns the HTTP status and body once the
        bot has worked on it (a stored activity's turn runs after the 200)."""
        status, text = await self.post_only(body, headers=headers, raw=raw)
        await self.front_end.settled()
        return status, text

    async def post_only(
        self, body: Any, *, headers: dict[str, str] | None = None, raw: bytes | None = None
    ) -> tuple[int, str]:
        """POST and return at the HTTP answer, without waiting for the turn."""
        http: aiohttp.ClientSession = self.bot.http
        send_headers = {"Content-Type": "application/json", **(headers or {})}
        if self.signing_key is not None and "Authorization" not in send_headers:
            service_url = body.get("serviceUrl") if isinstance(body, dict) else None
            send_headers["Authorization"] = token(
                service_url or self.connector.url, self.signing_key
            )
        data = raw if raw is not None else json.dumps(body).encode()
        async with http.post(self.messages_url, data=data, headers=send_headers) as response:
            return response.status, await response.text()

    async def send(self, activity: dict[str, Any]) -> list[ConnectorCall]:
        """POST an Activity that must be accepted; return the calls the bot made for it."""
        before = len(self.connector.calls)
        status, body = await self.post(activity)
        assert status == 200, (status, body)
        return self.connector.calls[before:]

    async def say(self, text: str, **overrides: Any) -> list[ConnectorCall]:
        activity = message_activity(self.connector.url, id=self.next_id(), text=text)
        activity.update(overrides)
        return await self.send(activity)

    async def click(
        self, action_id: str, value: str, *, on: str = "card-1", **inputs: str
    ) -> list[ConnectorCall]:
        """Submit an Adaptive Card action, as Teams does when a button is pressed."""
        activity = message_activity(
            self.connector.url,
            id=self.next_id(),
            text=None,
            replyToId=on,
            value={"action_id": action_id, "value": value, **inputs},
        )
        return await self.send(activity)


@pytest.fixture
def teams_settings(tmp_path: Path) -> Settings:
    """Teams only (no Slack), no app id: authentication off, the explicit local
    development mode (GDPRBOT_TEAMS_INSECURE_DEV, bound to loopback)."""
    from tests.bot.conftest import DPO

    return Settings(
        database_url=f"sqlite:///{tmp_path / 'teams.db'}",
        slack_bot_token="",
        slack_signing_secret="",
        slack_app_token="",
        microsoft_app_id="",
        microsoft_app_password="",
        host="127.0.0.1",
        port=0,
        console="off",
        teams_enabled=True,
        teams_insecure_dev=True,
        scheduler_enabled=False,
        dpo_contact=DPO,
        default_language="sv",
    )


StartTeamsBot = Callable[..., Awaitable[TeamsBotServer]]


@pytest.fixture
async def bot_connector() -> AsyncIterator[FakeBotConnector]:
    async with running_connector() as connector:
        yield connector


@pytest.fixture
def start_teams_bot(
    start_bot: Callable[[Settings], Awaitable[Any]],
    teams_settings: Settings,
    bot_connector: FakeBotConnector,
    request: pytest.FixtureRequest,
) -> StartTeamsBot:
    """`await start_teams_bot(signed=False, **settings_overrides)`: the whole bot, Teams
    enabled; `signed=True`: authentication on, every activity signed (see the module)."""

    async def start(*, signed: bool = False, **overrides: Any) -> TeamsBotServer:
        key: PrivateKey | None = None
        if signed:
            request.getfixturevalue("microsoft_endpoints")
            key = request.getfixturevalue("bot_framework_key")
            overrides = {
                "microsoft_app_id": APP_ID,
                "microsoft_app_password": APP_PASSWORD,
                "teams_insecure_dev": False,
                **overrides,
            }
        settings = teams_settings.model_copy(update=overrides)
        return TeamsBotServer(await start_bot(settings), bot_connector, signing_key=key)

    return start


@pytest.fixture
async def teams_bot(start_teams_bot: StartTeamsBot) -> TeamsBotServer:
    """Insecure development mode: unsigned activities, questions only."""
    return await start_teams_bot()


@pytest.fixture
async def signed_teams_bot(start_teams_bot: StartTeamsBot) -> TeamsBotServer:
    """Authentication on, every activity the test posts signed as Bot Framework would."""
    return await start_teams_bot(signed=True)
