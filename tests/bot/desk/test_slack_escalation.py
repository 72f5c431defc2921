"""A late request end to end on Slack (the real endpoint, the fake Web API): registered with
`/gdpr begäran`, reminded, escalated to the team lead and then to the compliance officer
named only by e-mail address (resolved with users.lookupByEmail at start), forwarded late,
and counted as late in `gdpr-bot report --client`. An officer address Slack does not know
is counted in a warning at start."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from textwrap import dedent
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from typer.testing import CliRunner

from bot.app import build_services
from bot.cli import app as cli
from bot.config import Settings
from knowledge import KnowledgeBase
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import CHANNEL, USER, SlackSigner, slash_command
from tests.bot.conftest import SIGNING_SECRET, RunningBot

LEAD = "U0000LEAD"
OFFICER = "U0OFFICER"
DIRECTORY = f"""\
clients:
  - id: acme
    name: Acme AB
    controller: Acme AB (556000-0000)
    rights_requests:
      email: dataskydd@acme.example
      forward_within_business_days: 1
      script:
        sv: Acme AB är personuppgiftsansvarigt; skriv till dataskydd@acme.example.
        en: Acme AB is the controller; write to dataskydd@acme.example.
    channels: [{CHANNEL}]
    team_leads: ["slack:{LEAD}"]
"""


@pytest.fixture
async def slack_bot(
    bot_settings: Settings, fake_slack: FakeSlackApi, desk_knowledge: KnowledgeBase,
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[RunningBot]:  # fmt: skip
    from bot.web import start_server

    directory = tmp_path / "clients.yaml"
    directory.write_text(dedent(DIRECTORY), encoding="utf-8")
    fake_slack.channel_members[CHANNEL] = [USER]
    fake_slack.users[OFFICER] = {"id": OFFICER, "profile": {"email": "officer@service.example"}}
    settings = bot_settings.model_copy(update={
        "clients_files": [str(directory)], "embeddings": "off",
        "compliance_officers": ["Officer@service.example", "ghost@service.example"],
    })  # fmt: skip
    services = build_services(settings, knowledge_base=desk_knowledge)
    runner, port = await start_server(services, "127.0.0.1", 0)
    caplog.set_level(logging.WARNING, logger="bot.desk_setup")
    await services.start()
    http = aiohttp.ClientSession()
    yield RunningBot(services, f"http://127.0.0.1:{port}", http, SlackSigner(SIGNING_SECRET))
    await http.close()
    await runner.cleanup()
    await services.close()


async def _command(bot: RunningBot, slack: FakeSlackApi, text: str) -> str:
    before = len(slack.calls_to("response_url"))
    response = await bot.post_slack(slash_command(text, slack.response_url()))
    assert response.status == 200
    calls = await slack.wait_for("response_url", before + 1)
    params: dict[str, Any] = calls[-1].params
    return str(params.get("text", "")) + " " + str(params.get("blocks", ""))


async def _reminder_pass(bot: RunningBot, slack: FakeSlackApi, posts: int) -> list[str]:
    """One pass of the reminder job; the channels of every chat.postMessage so far."""
    job = bot.services.scheduler.get_job("rights-requests")
    assert job is not None
    await job.func()
    calls = await slack.wait_for("chat.postMessage", posts)
    return [str(call.params.get("channel")) for call in calls]


async def test_a_late_request_is_reminded_escalated_forwarded_late_and_reported(
    slack_bot: RunningBot, fake_slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = datetime.now(ZoneInfo(slack_bot.services.settings.timezone)).date()
    received = today - timedelta(days=21)

    said = await _command(slack_bot, fake_slack, f"begäran radering #AC-7 {received}")
    match = re.search(r"Begäran \*(\w{6})\* är registrerad", said)
    assert match is not None, said
    code = match.group(1)

    assert await _reminder_pass(slack_bot, fake_slack, 1) == [USER]  # the agent
    assert (await _reminder_pass(slack_bot, fake_slack, 2))[1:] == [LEAD]
    assert (await _reminder_pass(slack_bot, fake_slack, 3))[2:] == [OFFICER]  # by e-mail
    escalation = fake_slack.calls_to("chat.postMessage")[2].params["text"]
    assert "Eskalering" in escalation and "radering (art. 17)" in escalation

    assert "försenad" in await _command(slack_bot, fake_slack, f"vidarebefordrad {code} e-post")

    monkeypatch.setenv("GDPRBOT_DATABASE_URL", slack_bot.services.settings.database_url)
    monkeypatch.setenv("GDPRBOT_CLIENTS", slack_bot.services.settings.clients_files[0])
    result = await asyncio.to_thread(CliRunner().invoke, cli, [
        "report", "--client", "acme", "--from", received.isoformat(), "--to",
        today.isoformat(), "--format", "json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["figures"]
    assert (figures["received"], figures["forwarded_late"]) == (1, 1)


async def test_an_officer_address_slack_does_not_know_is_counted_in_a_warning_at_start(
    slack_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    (warning,) = [r for r in caplog.get_records("setup") if r.name == "bot.desk_setup"]

    assert "are not told of late requests" in warning.getMessage()
    assert warning.unresolved == 1  # type: ignore[attr-defined]
    assert "ghost" not in warning.getMessage()
