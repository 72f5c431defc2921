"""The desk through the real Slack endpoint: signed `/gdpr` commands from a client's
channel, answered at the fake Web API's response_url; membership from its roster."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from testing.slack_api import FakeSlackApi
from tests.bot.conftest import RunningBot
from tests.bot.desk.conftest import StartSlackDesk, acme_directory, slack_command_reply


@pytest.fixture
async def slack_bot(start_slack_desk: StartSlackDesk) -> AsyncIterator[RunningBot]:
    async with start_slack_desk(acme_directory()) as bot:
        yield bot


async def test_a_question_in_the_clients_channel_names_its_controller_and_address(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    said = await slack_command_reply(slack_bot, fake_slack, "kunden vill bli raderad")

    assert "Acme AB (556000-0000)" in said and "dataskydd@acme.example" in said


async def test_a_member_of_the_clients_channel_registers_a_request(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    said = await slack_command_reply(slack_bot, fake_slack, "begäran radering #AC-1")

    assert "Begäran" in said and "registrerad" in said and "Acme AB" in said
    with slack_bot.services.engine.connect() as conn:
        row = conn.execute(text("select client_id, client_ref, platform from rights_requests"))
        assert [tuple(r) for r in row] == [("acme", "AC-1", "slack")]


async def test_someone_outside_the_clients_channel_is_refused(
    slack_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    said = await slack_command_reply(slack_bot, fake_slack, "begäran radering", user="U0OUTSIDER")

    assert "Du kan inte registrera" in said
    with slack_bot.services.engine.connect() as conn:
        assert conn.execute(text("select count(*) from rights_requests")).scalar_one() == 0
