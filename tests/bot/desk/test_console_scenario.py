"""The desk in the console (the real `Console` over a built bot): a question about the
chosen client names its controller and address; a late request is registered, reminded,
escalated to the officer (the console user), forwarded late and reported late."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.app import Services, build_services
from bot.cli import app as cli
from bot.platforms.console.front_end import Console
from clients import EXAMPLE_DIR
from knowledge import KnowledgeBase
from tests.bot.desk.conftest import desk_settings


@pytest.fixture
async def console_bot(tmp_path: Path, desk_knowledge: KnowledgeBase) -> AsyncIterator[Services]:
    settings = desk_settings(tmp_path, compliance_officers="agnes", console_user="agnes")
    services = build_services(settings, knowledge_base=desk_knowledge)
    await services.start()  # the officers to tell are settled at start
    yield services
    await services.close()


async def test_in_the_console_a_late_request_is_reminded_escalated_forwarded_and_reported(
    console_bot: Services, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    console = Console(console_bot.pipeline, write=shown.append, user_id="agnes")
    today = datetime.now(ZoneInfo(console_bot.settings.timezone)).date()
    received = today - timedelta(days=21)

    await console.say("klient solvinge")
    await console.say("kunden vill bli raderad")
    assert "Solvinge Resor AB (org.nr 556000-0001)" in shown[-1]
    assert "dataskydd@solvinge.example" in shown[-1]

    await console.say(f"begäran radering {received.isoformat()}")
    match = re.search(r"Begäran \*?(\w{6})\*? är registrerad", shown[-1])
    assert match is not None, shown[-1]
    code = match.group(1)

    job = console_bot.scheduler.get_job("rights-requests")
    for _stage in range(3):  # the agent, the team lead (on Slack/Teams: not here), officers
        await job.func()
    printed = capsys.readouterr().out
    assert f"Begäran *{code}*" in printed or f"Begäran {code}" in printed
    assert "Eskalering" in printed

    await console.say(f"vidarebefordrad {code} e-post")
    assert "försenad" in shown[-1]

    monkeypatch.setenv("GDPRBOT_DATABASE_URL", console_bot.settings.database_url)
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))
    result = await asyncio.to_thread(CliRunner().invoke, cli, [
        "report", "--client", "solvinge", "--from", received.isoformat(),
        "--to", today.isoformat(), "--format", "json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["figures"]
    assert (figures["received"], figures["forwarded_late"]) == (1, 1)
