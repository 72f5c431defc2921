"""The desk through the real Slack endpoint: signed `/gdpr` commands from a client's
channel, answered at the fake Web API's response_url; membership from its roster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from textwrap import dedent
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.app import build_services
from bot.config import Settings
from knowledge import KnowledgeBase
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import CHANNEL, USER, SlackSigner, slash_command
from tests.bot.conftest import SIGNING_SECRET, RunningBot

ACME = f"""\
clients:
  - id: acme
    name: Acme AB
    controller: Acme AB (556000-0000)
    rights_requests:
      email: dataskydd@acme.example
      forward_within_business_days: 1
      script:
        sv: Acme AB är personuppgiftsansvarigt; skriv till {{{{client.rights_email}}}}.
        en: Acme AB is the controller; write to {{{{client.rights_email}}}}.
    channels: [{CHANNEL}]
"""


@pytest.fixture
async def slack_bot(
    bot_settings: Settings, fake_slack: FakeSlackApi, desk_knowledge: KnowledgeBase,
    tmp_path: Path,
) -> AsyncIterator[RunningBot]:  # fmt: skip
    from bot.web import start_server

    directory = tmp_path / "clients.yaml"
    directory.write_text(dedent(ACME), encoding="utf-8")
    fake_slack.channel_members[CHANNEL] = [USER]
    settings = bot_settings.model_copy(
        update={"clients_files": [str(directory)], "embeddings": "off"}
    )
    services = build_services(settings, knowledge_base=desk_knowledge)
    runner, port = await start_server(services, "127.0.0.1", 0)
    await services.start()
    http = aiohttp.ClientSession()
    yield RunningBot(services, f"http://127.0.0.1:{port}", http, SlackSigner(SIGNING_SECRET))
    await http.close()
    await runner.cleanup()
    await services.close()


async def _command(bot: RunningBot, slack: FakeSlackApi, text: str, user: str = USER) -> str:
    before = len(slack.calls_to("response_url"))
    response = await bot.post_slack(slash_command(text, slack.response_url(), user=user))
    assert response.status == 200
    calls = await slack.wait_for("response_url", before + 1)
    params: dict[str, Any] = calls[-1].params
    return str(params.get("text", "")) + " " + str(params.get("blocks", ""))


async def test_a_question_in_the_clients_channel_names_its_controller_and_address(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    said = await _command(slack_bot, fake_slack, "kunden vill bli raderad")

    assert "Acme AB (556000-0000)" in said and "dataskydd@acme.example" in said


async def test_a_member_of_the_clients_channel_registers_a_request(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    said = await _command(slack_bot, fake_slack, "begäran radering #AC-1")

    assert "Begäran" in said and "registrerad" in said and "Acme AB" in said
    with slack_bot.services.engine.connect() as conn:
        row = conn.execute(text("select client_id, client_ref, platform from rights_requests"))
        assert [tuple(r) for r in row] == [("acme", "AC-1", "slack")]


async def test_someone_outside_the_clients_channel_is_refused(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    said = await _command(slack_bot, fake_slack, "begäran radering", user="U0OUTSIDER")

    assert "Du kan inte registrera" in said
    with slack_bot.services.engine.connect() as conn:
        assert conn.execute(text("select count(*) from rights_requests")).scalar_one() == 0
