"""`gdpr-bot run` as a real process: serves HTTP, stops cleanly on SIGTERM, refuses bad settings."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp

from testing.slack_api import FakeSlackApi
from tests.bot.conftest import BOT_TOKEN, SIGNING_SECRET

GDPR_BOT = Path(sys.executable).with_name("gdpr-bot")
LISTENING = re.compile(rb"http server listening.*port=(\d+)")


def run_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a `gdpr-bot run` on its own SQLite file, scheduler off."""
    base = {
        "GDPRBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "GDPRBOT_PORT": "0",
        "GDPRBOT_SCHEDULER": "false",
    }
    return {**os.environ, **base, **settings}


async def start_run(
    tmp_path: Path, env: dict[str, str], **pipes: int
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(GDPR_BOT),
        "run",
        env=env,
        cwd=tmp_path,
        **pipes,  # type: ignore[arg-type]
    )


async def test_run_serves_and_shuts_down_gracefully_on_sigterm(
    tmp_path: Path, fake_slack: FakeSlackApi
) -> None:
    env = run_env(
        tmp_path,
        GDPRBOT_CONSOLE="auto",  # Slack is configured, so no console
        GDPRBOT_TEAMS="false",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        GDPRBOT_SLACK_API_URL=fake_slack.api_url,
    )
    process = await start_run(
        tmp_path, env, stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        port = None
        while port is None:
            line = await asyncio.wait_for(process.stderr.readline(), 120)
            assert line, "gdpr-bot run exited before listening"
            if match := LISTENING.search(line):
                port = int(match.group(1))
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/readyz") as response,
        ):
            assert response.status == 200

        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert code == 0


async def test_run_without_a_platform_opens_the_console_and_quits_with_it(
    tmp_path: Path,
) -> None:
    env = run_env(tmp_path, SLACK_BOT_TOKEN="", SLACK_APP_TOKEN="", MicrosoftAppId="")
    process = await start_run(
        tmp_path,
        env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate("hjälp\navsluta\n".encode()), 120)

    assert process.returncode == 0
    text = stdout.decode()
    assert "Jag är GDPR-boten" in text
    assert text.rstrip().endswith("Hej då!")


async def test_run_refuses_an_app_id_without_password_in_one_line_naming_it(
    tmp_path: Path,
) -> None:
    env = run_env(
        tmp_path,
        GDPRBOT_CONSOLE="off",
        GDPRBOT_TEAMS="true",
        SLACK_BOT_TOKEN="",
        MicrosoftAppId="app-1",
        MicrosoftAppPassword="",
        MicrosoftAppTenantId="",
        MicrosoftAppType="MultiTenant",
    )
    process = await start_run(
        tmp_path,
        env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 120)

    assert process.returncode == 2
    errors = [line for line in stderr.decode().splitlines() if "error" in line.lower()]
    assert len(errors) == 1, stderr.decode()
    assert "MicrosoftAppPassword" in errors[0] and "will not start" in errors[0]
    assert "Traceback" not in stderr.decode()
