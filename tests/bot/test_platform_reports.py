"""Reports through the real endpoints: `rapport` from a compliance officer over Slack
(summary + file via files upload v2 at the fake Web API) and Teams (summary + a signed
15-minute /reports/<token> link served by the bot itself); others are refused privately
and the attempt goes into the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.config import Settings
from routines import ledger
from storage.sessions import transaction
from testing.bot_connector import ConnectorCall
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import CHANNEL, dm, mention, slash_command
from testing.slack_payloads import DM_CHANNEL as DM
from tests.bot.conftest import RunningBot
from tests.bot.platforms.teams.fixtures import (
    StartTeamsBot,
    TeamsBotServer,
    card_text,
    message_activity,
    only,
)
from tests.bot.test_platform_routines import CLICKED, post_due_routine, write_catalogue

OFFICER, EMPLOYEE = "UDPO", "UEVE"
OFFICER_AAD = "aad-dpo"
PUBLIC_URL = "https://gdpr-bot.example.test"
BOM = "\ufeff".encode()


def ledger_events(bot_sessions: Any, event: str) -> list[dict[str, Any]]:
    with transaction(bot_sessions) as session:
        rows = session.scalars(
            select(ledger.LedgerEntry.payload).where(ledger.LedgerEntry.event == event)
        ).all()
    return [json.loads(row)["data"] for row in rows]


# --- Slack ----------------------------------------------------------------------------------


@pytest.fixture
async def slack_bot(
    start_bot: Callable[[Settings], Any],
    bot_settings: Settings,
    fake_slack: FakeSlackApi,
    tmp_path: Path,
) -> RunningBot:
    catalogue = write_catalogue(
        tmp_path / "routines.yaml", post_to="{platform: slack, channel: C0GDPR}",
        assignee="slack:UANNA",
    )  # fmt: skip
    settings = bot_settings.model_copy(
        update={"routines_files": [str(catalogue)], "compliance_officers": [OFFICER]}
    )
    bot: RunningBot = await start_bot(settings)
    bot.services.clock = lambda: CLICKED
    await post_due_routine(bot.services, catalogue)
    return bot


async def test_slack_officer_gets_the_summary_and_the_csv_uploaded_with_files_v2(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    assert (await slack_bot.post_slack(dm("rapport 2027-Q1", user=OFFICER))).status == 200

    [completed] = await fake_slack.wait_for("files.completeUploadExternal")
    posts = fake_slack.calls_to("chat.postMessage")
    summary, file_note = [c.params["text"] for c in posts if c.params["channel"] == DM]
    assert "Efterlevnadsrapport 2027-Q1" in summary and "Gallring av kunddata" in summary
    assert "gdpr-report-2027-Q1.csv" in file_note
    [url] = fake_slack.calls_to("files.getUploadURLExternal")
    [upload] = fake_slack.calls_to("upload")
    assert url.params["filename"] == "gdpr-report-2027-Q1.csv"
    content = upload.params["content"]
    assert content.startswith(BOM) and b"retention" in content
    assert int(url.params["length"]) == len(content)
    assert completed.params["channel_id"] == DM
    files = completed.params["files"]
    files = json.loads(files) if isinstance(files, str) else files
    assert files[0]["id"] == upload.params["file_id"]
    [exported] = ledger_events(slack_bot.services.sessions, ledger.REPORT_EXPORTED)
    assert OFFICER not in json.dumps(exported)  # an opaque person key, not the Slack id


async def test_slack_a_report_asked_with_the_command_in_someone_elses_dm_reaches_the_officers_own(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    """/gdpr typed in a direct message between two people: Slack says `directmessage` as
    for the bot's own, but the bot is not in that conversation and may not post there."""
    command = slash_command("rapport 2027-Q1", fake_slack.response_url(), user=OFFICER)
    command = command.replace(f"channel_id={CHANNEL}", "channel_id=D0COLLEAGUE")
    command = command.replace("channel_name=general", "channel_name=directmessage")

    assert (await slack_bot.post_slack(command)).status == 200

    [completed] = await fake_slack.wait_for("files.completeUploadExternal")
    [opened] = fake_slack.calls_to("conversations.open")
    assert opened.params["users"] == OFFICER
    assert completed.params["channel_id"] == "D" + OFFICER.lstrip("U")  # the bot's DM


async def test_slack_a_report_file_slack_would_not_take_is_said_not_left_unsaid(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    fake_slack.answer_raw(
        "files.completeUploadExternal", 200, '{"ok": false, "error": "internal_error"}',
        "application/json",
    )  # fmt: skip
    assert (await slack_bot.post_slack(dm("rapport 2027-Q1", user=OFFICER))).status == 200

    posts = await fake_slack.wait_until(
        lambda: len([c for c in fake_slack.calls_to("chat.postMessage")
                     if c.params["channel"] == DM]) >= 3,
        "chat.postMessage",
    )  # fmt: skip
    summary, file_note, failed = [c.params["text"] for c in posts if c.params["channel"] == DM]
    assert "Efterlevnadsrapport 2027-Q1" in summary and "gdpr-report-2027-Q1.csv" in file_note
    assert "Försök igen" in failed and "try again" in failed


async def test_slack_someone_else_is_refused_privately_and_the_attempt_is_ledgered(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    assert (await slack_bot.post_slack(mention("rapport 2027-Q1", user=EMPLOYEE))).status == 200

    [refusal] = await fake_slack.wait_for("chat.postEphemeral")
    assert refusal.params["user"] == EMPLOYEE
    assert "Rapporter är bara för dataskyddsombud" in refusal.params["text"]
    assert fake_slack.calls_to("files.getUploadURLExternal") == []
    [refused] = ledger_events(slack_bot.services.sessions, ledger.REPORT_REFUSED)
    assert refused["command"] == "report" and refused["platform"] == "slack"
    assert EMPLOYEE not in json.dumps(refused)
    assert ledger_events(slack_bot.services.sessions, ledger.REPORT_EXPORTED) == []


# --- Teams ----------------------------------------------------------------------------------


async def start_teams_with_reports(
    start_teams_bot: StartTeamsBot, tmp_path: Path, *, signed: bool = True
) -> TeamsBotServer:
    catalogue = write_catalogue(
        tmp_path / "routines.yaml", post_to="{platform: teams, person: aad-anna}",
        assignee="teams:aad-anna",
    )  # fmt: skip
    teams = await start_teams_bot(
        signed=signed,
        routines_files=[str(catalogue)],
        compliance_officers=[OFFICER_AAD],
        public_url=PUBLIC_URL,
    )
    teams.services.clock = lambda: CLICKED
    await post_due_routine(teams.services, catalogue, posted=False)  # Anna's chat is unknown
    teams.connector.clear()
    return teams


@pytest.fixture
async def teams_bot_with_reports(start_teams_bot: StartTeamsBot, tmp_path: Path) -> TeamsBotServer:
    return await start_teams_with_reports(start_teams_bot, tmp_path)


async def ask_for_report(teams: TeamsBotServer, aad: str, name: str) -> list[ConnectorCall]:
    activity = message_activity(
        teams.connector.url,
        id=teams.next_id(),
        text="rapport 2027-Q1",
        **{
            "from": {"id": f"29:{aad}", "aadObjectId": aad, "name": name},
            "conversation": {"id": f"a:{aad}-personal", "conversationType": "personal"},
        },
    )
    return await teams.send(activity)


def download_link(calls: list[ConnectorCall]) -> str:
    links = [
        action["url"]
        for call in calls
        if call.card is not None
        for action in call.card.get("actions", [])
        if action.get("type") == "Action.OpenUrl"
    ]
    assert len(links) == 1, calls
    return str(links[0])


async def download(teams: TeamsBotServer, path: str) -> tuple[int, bytes, str]:
    async with teams.bot.http.get(f"{teams.bot.url}{path}") as response:
        body = await response.read()
        return response.status, body, response.headers.get("Content-Disposition", "")


async def test_teams_officer_gets_the_summary_and_a_signed_link_the_bot_serves(
    teams_bot_with_reports: TeamsBotServer,
) -> None:
    teams = teams_bot_with_reports
    calls = await ask_for_report(teams, OFFICER_AAD, "Dana Dataskydd")

    summary = calls[0].activity.get("text") or card_text(calls[0].card)
    assert "Efterlevnadsrapport 2027-Q1" in summary
    link = download_link(calls)
    assert link.startswith(f"{PUBLIC_URL}/reports/")
    status, body, disposition = await download(teams, urlsplit(link).path)
    assert status == 200
    assert body.startswith(BOM) and b"retention" in body
    assert 'filename="gdpr-report-2027-Q1.csv"' in disposition


async def test_teams_an_unsigned_officer_in_insecure_dev_mode_gets_no_report(
    start_teams_bot: StartTeamsBot, tmp_path: Path
) -> None:
    teams = await start_teams_with_reports(start_teams_bot, tmp_path, signed=False)

    reply = only(await ask_for_report(teams, OFFICER_AAD, "Dana Dataskydd"))

    assert "GDPRBOT_TEAMS_INSECURE_DEV" in (reply.activity.get("text") or "")
    assert reply.card is None or not reply.card.get("actions")
    assert ledger_events(teams.services.sessions, ledger.REPORT_EXPORTED) == []
    assert ledger_events(teams.services.sessions, ledger.REPORT_REFUSED) == []


async def test_teams_a_tampered_link_is_unknown(teams_bot_with_reports: TeamsBotServer) -> None:
    teams = teams_bot_with_reports
    path = urlsplit(download_link(await ask_for_report(teams, OFFICER_AAD, "Dana"))).path
    forged = path[:-1] + ("0" if path[-1] != "0" else "1")

    status, body, _ = await download(teams, forged)

    assert status == 404 and BOM not in body


async def test_teams_the_link_expires_after_15_minutes(
    teams_bot_with_reports: TeamsBotServer,
) -> None:
    teams = teams_bot_with_reports
    path = urlsplit(download_link(await ask_for_report(teams, OFFICER_AAD, "Dana"))).path
    teams.services.clock = lambda: CLICKED + timedelta(minutes=14, seconds=59)
    assert (await download(teams, path))[0] == 200

    teams.services.clock = lambda: CLICKED + timedelta(minutes=16)

    status, body, _ = await download(teams, path)
    assert status == 410 and BOM not in body


async def test_teams_someone_else_is_refused_and_the_attempt_is_ledgered(
    teams_bot_with_reports: TeamsBotServer,
) -> None:
    teams = teams_bot_with_reports
    calls = await ask_for_report(teams, "aad-eve", "Eve")

    [refusal] = calls
    assert "Rapporter är bara för dataskyddsombud" in refusal.activity["text"]
    assert refusal.conversation_id == "a:aad-eve-personal"  # her own 1:1 chat
    [refused] = ledger_events(teams.sessions, ledger.REPORT_REFUSED)
    assert refused["platform"] == "teams" and "aad-eve" not in json.dumps(refused)
