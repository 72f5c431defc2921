"""The one HTTP server: liveness, readiness, and which routes exist for which settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.config import Settings
from storage.engines import make_engine
from tests.bot.conftest import RunningBot


async def test_healthz_is_ok(running_bot: RunningBot) -> None:
    async with running_bot.http.get(f"{running_bot.url}/healthz") as response:
        assert response.status == 200
        assert (await response.json())["status"] == "ok"


async def test_readyz_is_ready_with_database_and_knowledge(running_bot: RunningBot) -> None:
    async with running_bot.http.get(f"{running_bot.url}/readyz") as response:
        assert response.status == 200


async def test_readyz_is_503_when_the_database_is_unreachable(
    running_bot: RunningBot, tmp_path: Any
) -> None:
    running_bot.services.engine = make_engine("postgresql://postgres@127.0.0.1:1/none")

    async with running_bot.http.get(f"{running_bot.url}/readyz") as response:
        assert response.status == 503


async def test_readyz_is_503_when_the_database_reads_but_cannot_write(
    running_bot: RunningBot, tmp_path: Any
) -> None:
    read_only = f"sqlite:///file:{tmp_path / 'bot.db'}?mode=ro&uri=true"  # a full disk, say
    running_bot.services.engine = make_engine(read_only)

    async with running_bot.http.get(f"{running_bot.url}/readyz") as response:
        assert response.status == 503


async def test_without_slack_settings_there_is_no_slack_route(
    start_bot: Callable[[Settings], Any], bot_settings: Settings
) -> None:
    settings = bot_settings.model_copy(update={"slack_bot_token": ""})
    bot: RunningBot = await start_bot(settings)

    response = await bot.post_slack({"type": "event_callback"})

    assert bot.services.slack is None
    assert response.status in (404, 405)


async def test_metrics_count_answers_and_rejected_signatures(running_bot: RunningBot) -> None:
    await running_bot.post_slack({"type": "event_callback"}, sign=False)

    async with running_bot.http.get(f"{running_bot.url}/metrics") as response:
        body = await response.text()

    assert response.status == 200
    assert 'gdprbot_errors_total{kind="bad_signature"}' in body
    assert "gdprbot_request_seconds" in body
