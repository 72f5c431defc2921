"""Shared bot fixtures: a fake Slack Web API, a running bot server pointed at it, signing.

Other front-end tests (Teams, console, privacy) reuse these: `bot_settings` gives a
complete Settings for a bot in tmp_path; `running_bot` serves it on 127.0.0.1:<random>.
Add fixtures here with small edits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import Services, build_services
from bot.config import Settings
from knowledge import KnowledgeBase, load_knowledge_base
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import SlackSigner

TEST_KB = Path(__file__).parent / "kb"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
DPO = "dataskyddsombudet (dpo@example.test)"


@pytest.fixture(scope="session")
def test_knowledge() -> KnowledgeBase:
    """A four-article knowledge base (sv + en) whose titles the tests can name."""
    return load_knowledge_base([TEST_KB], include_shipped=False)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlackApi]:
    api = await FakeSlackApi().start()
    yield api
    await api.close()


@pytest.fixture
def bot_settings(tmp_path: Path, fake_slack: FakeSlackApi) -> Settings:
    """Slack in HTTP mode against the fake Web API, SQLite in tmp_path, no console."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token="",
        slack_api_url=fake_slack.api_url,
        host="127.0.0.1",
        port=0,
        console="off",
        teams_enabled=False,
        scheduler_enabled=False,
        dpo_contact=DPO,
        default_language="sv",
    )


@dataclass
class RunningBot:
    services: Services
    url: str  # http://127.0.0.1:<port>
    http: aiohttp.ClientSession
    signer: SlackSigner

    async def post_slack(
        self,
        body: str | bytes | dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        sign: bool = True,
    ) -> aiohttp.ClientResponse:
        """POST a (signed) body to /slack/events; dicts are sent as JSON."""
        import json

        raw = json.dumps(body) if isinstance(body, dict) else body
        all_headers = self.signer.headers(raw, timestamp=timestamp) if sign else {}
        all_headers.update(headers or {})
        async with self.http.post(f"{self.url}/slack/events", data=raw, headers=all_headers) as r:
            await r.read()
            return r


StartBot = Callable[[Settings], "AsyncIterator[RunningBot]"]


@pytest.fixture
async def start_bot(
    test_knowledge: KnowledgeBase,
) -> AsyncIterator[Callable[[Settings], Any]]:
    """`await start_bot(settings)` -> RunningBot; everything started is stopped afterwards."""
    from bot.web import start_server

    started: list[tuple[Services, Any, aiohttp.ClientSession]] = []

    async def start(settings: Settings) -> RunningBot:
        services = build_services(settings, knowledge_base=test_knowledge)
        runner, port = await start_server(services, "127.0.0.1", 0)
        await services.start()
        http = aiohttp.ClientSession()
        started.append((services, runner, http))
        return RunningBot(services, f"http://127.0.0.1:{port}", http, SlackSigner(SIGNING_SECRET))

    yield start
    for services, runner, http in reversed(started):
        await http.close()
        await runner.cleanup()
        await services.close()


@pytest.fixture
async def running_bot(start_bot: Callable[[Settings], Any], bot_settings: Settings) -> RunningBot:
    bot: RunningBot = await start_bot(bot_settings)
    return bot


# Teams front-end fixtures (bot/platforms/teams): a running Teams bot and the fake Bot Connector.
from tests.bot.platforms.teams.fixtures import (  # noqa: E402, F401
    bot_connector,
    signed_teams_bot,
    start_teams_bot,
    teams_bot,
    teams_settings,
)
from tests.bot.platforms.teams.signing import (  # noqa: E402, F401
    bot_framework_key,
    microsoft_endpoints,
)
