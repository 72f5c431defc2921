"""`gdpr-bot run` with Microsoft app settings that cannot work: one clear line, no traceback."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

GDPR_BOT = Path(sys.executable).with_name("gdpr-bot")


async def test_run_refuses_an_app_id_without_password_in_one_line_naming_it(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "GDPRBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "GDPRBOT_PORT": "0",
        "GDPRBOT_CONSOLE": "off",
        "GDPRBOT_SCHEDULER": "false",
        "GDPRBOT_TEAMS": "true",
        "SLACK_BOT_TOKEN": "",
        "MicrosoftAppId": "app-1",
        "MicrosoftAppPassword": "",
        "MicrosoftAppTenantId": "",
        "MicrosoftAppType": "MultiTenant",
    }
    process = await asyncio.create_subprocess_exec(
        str(GDPR_BOT),
        "run",
        env=env,
        cwd=tmp_path,
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
