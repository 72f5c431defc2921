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
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import USER
from tests.bot.conftest import RunningBot
from tests.bot.desk.conftest import StartSlackDesk, acme_directory, slack_command_reply

LEAD = "U0000LEAD"
OFFICER = "U0OFFICER"


@pytest.fixture
async def slack_bot(
    start_slack_desk: StartSlackDesk, fake_slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[RunningBot]:
    fake_slack.users[OFFICER] = {"id": OFFICER, "profile": {"email": "officer@service.example"}}
    caplog.set_level(logging.WARNING, logger="bot.desk_setup")
    officers = ["Officer@service.example", "ghost@service.example"]
    directory = acme_directory(team_leads=[f"slack:{LEAD}"])
    async with start_slack_desk(directory, compliance_officers=officers) as bot:
        yield bot


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

    said = await slack_command_reply(slack_bot, fake_slack, f"begäran radering #AC-7 {received}")
    match = re.search(r"Begäran \*(\w{6})\* är registrerad", said)
    assert match is not None, said
    code = match.group(1)

    assert await _reminder_pass(slack_bot, fake_slack, 1) == [USER]  # the agent
    assert (await _reminder_pass(slack_bot, fake_slack, 2))[1:] == [LEAD]
    assert (await _reminder_pass(slack_bot, fake_slack, 3))[2:] == [OFFICER]  # by e-mail
    escalation = fake_slack.calls_to("chat.postMessage")[2].params["text"]
    assert "Eskalering" in escalation and "radering (art. 17)" in escalation

    assert "försenad" in await slack_command_reply(
        slack_bot, fake_slack, f"vidarebefordrad {code} e-post"
    )

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


async def _register_late(bot: RunningBot, slack: FakeSlackApi) -> None:
    today = datetime.now(ZoneInfo(bot.services.settings.timezone)).date()
    said = await slack_command_reply(bot, slack, f"begäran radering #AC-8 {today - timedelta(21)}")
    assert "är registrerad" in said, said


async def _pass(bot: RunningBot) -> None:
    job = bot.services.scheduler.get_job("rights-requests")
    assert job is not None
    await job.func()  # returns once its posts were answered


def _posted_to(slack: FakeSlackApi) -> list[str]:
    """The channel of every chat.postMessage, answered well or not, in order."""
    posts = [call for call in slack.calls if call.method == "chat.postMessage"]
    return [str(call.params["channel"]) for call in posts]


@pytest.mark.parametrize(
    "answer",
    [(500, "<html>bad gateway</html>", "text/html"),
     (200, '{"ok": false, "error": "internal_error"}', "application/json"),
     (200, '{"ok": tru', "application/json")],
    ids=["500", "internal_error", "not json"],
)  # fmt: skip
async def test_a_reminder_slack_failed_for_now_is_sent_at_the_next_pass(
    slack_bot: RunningBot, fake_slack: FakeSlackApi, answer: tuple[int, str, str]
) -> None:
    await _register_late(slack_bot, fake_slack)
    fake_slack.answer_raw("chat.postMessage", *answer)

    await _pass(slack_bot)  # the agent's reminder: Slack fails it
    await _pass(slack_bot)  # sent again, and the next stage (the team lead) on its own

    failed, *delivered = _posted_to(fake_slack)
    assert failed == USER
    assert sorted(delivered) == sorted([USER, LEAD])


async def test_a_reminder_slack_refuses_for_good_is_not_sent_again(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await _register_late(slack_bot, fake_slack)
    fake_slack.answer_raw(
        "chat.postMessage", 200, '{"ok": false, "error": "account_inactive"}', "application/json"
    )

    await _pass(slack_bot)
    await _pass(slack_bot)

    assert _posted_to(fake_slack) == [USER, LEAD]  # the agent's once, then the lead's
