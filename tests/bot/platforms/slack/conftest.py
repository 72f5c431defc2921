"""Fixtures of the Slack front-end tests: the fake Socket Mode server and a bot that dials it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.config import Settings
from testing.slack_api import FakeSlackApi
from testing.socket_mode import FakeSocketMode
from tests.bot.conftest import RunningBot


@pytest.fixture
async def socket_server(fake_slack: FakeSlackApi) -> AsyncIterator[FakeSocketMode]:
    server = await FakeSocketMode(fake_slack).start()
    yield server
    await server.close()


@pytest.fixture
async def socket_bot(
    start_bot: Callable[[Settings], Any], bot_settings: Settings, socket_server: FakeSocketMode
) -> RunningBot:
    settings = bot_settings.model_copy(
        update={"slack_app_token": "xapp-test", "slack_signing_secret": ""}
    )
    bot: RunningBot = await start_bot(settings)
    return bot
