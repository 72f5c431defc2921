"""Who may act, through the real Slack endpoint: a routine assigned to a channel is
confirmed only by that channel's members (`conversations.members` at the fake Web API);
anyone else, by button or by `ack <code>` in a DM, is refused privately and the attempt is a
`confirmation.refused` ledger entry."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.records.codes import OccurrenceCodes
from routines import ledger
from routines.engine.models import Confirmation, OccurrenceNote
from routines.ports import ACTION_CONFIRM, ACTION_NOTE
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import dm, slash_command
from tests.bot.conftest import RunningBot
from tests.bot.test_platform_routines import (
    ANNA,
    CHANNEL,
    CLICKED,
    EVE,
    SlackRoutine,
    count,
    ledger_payloads,
    occurrence,
    people,
    post_due_routine,
    posted_message_id,
    submission_payload,
)


def occurrence_code_of(routine: SlackRoutine) -> str:
    """The code `routines` shows for the occurrence (what people type)."""
    return OccurrenceCodes(routine.sessions).code_of(routine.occurrence_id)


CHANNEL_CATALOGUE = """\
routines:
  - id: retention
    title: {sv: Gallring av kunddata, en: Customer data retention}
    schedule: {every: quarter, anchor: 2026-10-01}
    business_days: true
    due_days: 14
    post_to: [{platform: slack, channel: C0GDPR}]
    assignees: channel
"""


async def start_channel_routine(
    start_bot: Callable[[Settings], Any],
    bot_settings: Settings,
    fake_slack: FakeSlackApi,
    tmp_path: Path,
    members: list[str],
) -> SlackRoutine:
    """A bot whose channel routine (`CHANNEL_CATALOGUE`) is posted to CHANNEL, whose roster
    is `members`."""
    catalogue = tmp_path / "routines.yaml"
    catalogue.write_text(textwrap.dedent(CHANNEL_CATALOGUE), encoding="utf-8")
    people(fake_slack)
    fake_slack.channel_members[CHANNEL] = members
    settings = bot_settings.model_copy(update={"routines_files": [str(catalogue)]})
    bot: RunningBot = await start_bot(settings)
    bot.services.clock = lambda: CLICKED
    occurrence_id = await post_due_routine(bot.services, catalogue)
    message_ts = posted_message_id(bot.services.sessions, occurrence_id)
    return SlackRoutine(bot, fake_slack, occurrence_id, message_ts)


@pytest.fixture
async def channel_routine(
    start_bot: Callable[[Settings], Any],
    bot_settings: Settings,
    fake_slack: FakeSlackApi,
    tmp_path: Path,
) -> SlackRoutine:
    # Eve is in another team
    return await start_channel_routine(start_bot, bot_settings, fake_slack, tmp_path, [ANNA])


async def test_slack_a_channel_member_confirms_a_channel_routine(
    channel_routine: SlackRoutine,
) -> None:
    await channel_routine.click(ACTION_CONFIRM, user=ANNA)

    [update] = await channel_routine.slack.wait_for("chat.update")
    assert "Bekräftad av Anna" in update.blocks_text
    [roster] = channel_routine.slack.calls_to("conversations.members")
    assert roster.params["channel"] == CHANNEL


async def test_slack_a_click_from_outside_the_channel_is_refused_and_ledgered(
    channel_routine: SlackRoutine,
) -> None:
    await channel_routine.click(ACTION_CONFIRM, user=EVE)

    [private] = await channel_routine.slack.wait_for("chat.postEphemeral")
    assert private.params["user"] == EVE
    assert "medlemmarna i kanalen" in private.params["text"]
    await channel_routine.settle()
    assert channel_routine.slack.calls_to("chat.update") == []
    assert count(channel_routine.sessions, Confirmation) == 0
    [refused] = ledger_payloads(channel_routine.sessions, ledger.chain.CONFIRMATION_REFUSED)
    assert refused["occurrence_id"] == channel_routine.occurrence_id
    assert EVE not in str(refused)


async def test_slack_ack_in_a_dm_from_outside_the_channel_does_not_close_it(
    channel_routine: SlackRoutine,
) -> None:
    body = dm(f"ack {occurrence_code_of(channel_routine)}", user=EVE)
    assert (await channel_routine.bot.post_slack(body)).status == 200

    posts = await channel_routine.slack.wait_for("chat.postMessage", 2)  # notice + reply
    await channel_routine.settle()
    assert "members of the channel" in posts[-1].params["text"]  # `ack` is English
    assert occurrence(channel_routine.sessions, channel_routine.occurrence_id)[0] == "open"
    assert len(ledger_payloads(channel_routine.sessions, ledger.chain.CONFIRMATION_REFUSED)) == 1


# --- replays: slash commands and modal submissions are claimed like events -------------------


async def test_slack_a_replayed_slash_command_is_acted_on_once(
    channel_routine: SlackRoutine,
) -> None:
    bot, slack = channel_routine.bot, channel_routine.slack
    body = slash_command(
        f"anteckning {occurrence_code_of(channel_routine)} https://intranet/gallring",
        slack.response_url(),
        user=ANNA,
    )
    for _ in range(3):  # the same signed request, replayed within Slack's 5 minutes
        assert (await bot.post_slack(body)).status == 200
    await channel_routine.settle()

    assert count(channel_routine.sessions, OccurrenceNote) == 1
    assert len(ledger_payloads(channel_routine.sessions, ledger.NOTE_ADDED)) == 1


async def test_slack_a_replayed_modal_submission_is_acted_on_once(
    channel_routine: SlackRoutine,
) -> None:
    await channel_routine.click(ACTION_NOTE, user=ANNA)
    [opened] = await channel_routine.slack.wait_for("views.open")
    body = submission_payload(opened, "https://intranet/gallring", user=ANNA)
    headers = channel_routine.bot.signer.headers(body)
    for _ in range(2):
        async with channel_routine.bot.http.post(
            f"{channel_routine.bot.url}/slack/events", data=body, headers=headers
        ) as response:
            assert response.status == 200
    await channel_routine.settle()

    assert count(channel_routine.sessions, OccurrenceNote) == 1
