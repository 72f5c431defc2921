"""External people (guests, Slack Connect, another Teams tenant) are refused by the one
policy, through the real endpoints: a question gets the bilingual "for the company's own
staff" reply and is not logged; a Confirm click records nothing; the organisation's own
people are served as before."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.records.questions import QuestionRecord
from routines import ledger
from routines.engine.models import Confirmation
from routines.ledger.chain import LedgerEntry
from routines.ports import ACTION_CONFIRM
from storage.sessions import transaction
from testing.slack_api import TEAM_ID, FakeSlackApi
from testing.slack_payloads import DM_CHANNEL, USER, dm, home_opened
from tests.bot.conftest import RunningBot
from tests.bot.platforms.teams.fixtures import TENANT, StartTeamsBot, card_text, only
from tests.bot.test_platform_authz import start_channel_routine
from tests.bot.test_platform_routines import (
    ANNA,
    ANNA_AAD,
    CLICKED,
    SlackRoutine,
    count,
    occurrence,
    post_due_routine,
    posted_message_id,
    write_catalogue,
)

STAFF_ONLY_SV = "företagets egna medarbetare"
STAFF_ONLY_EN = "the company's own staff"
QUESTION = "hur länge sparar vi samtalsinspelningar?"


def questions_logged(sessions: Any) -> int:
    with transaction(sessions) as session:
        return int(session.scalar(select(func.count()).select_from(QuestionRecord)) or 0)


def ledger_entries(sessions: Any) -> list[str]:
    with transaction(sessions) as session:
        return list(session.scalars(select(LedgerEntry.event)).all())


# --- Slack ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user",
    [
        {"is_restricted": True},  # a multi-channel guest
        {"is_ultra_restricted": True},  # a single-channel guest
        {"is_stranger": True},  # a Slack Connect person outside the workspace
        {"team_id": "T0OTHERORG"},  # a Slack Connect member of another organisation
    ],
    ids=["guest", "single-channel-guest", "stranger", "other-team"],
)
async def test_slack_an_external_persons_question_is_refused_in_both_languages_and_not_logged(
    running_bot: RunningBot, fake_slack: FakeSlackApi, user: dict[str, Any]
) -> None:
    fake_slack.users[USER] = {"id": USER, "name": "ext", **user}

    await running_bot.post_slack(dm(QUESTION))

    [post] = await fake_slack.wait_for("chat.postMessage")
    assert post.params["channel"] == DM_CHANNEL
    text = post.params["text"]
    assert STAFF_ONLY_SV in text and STAFF_ONLY_EN in text
    assert text.index(STAFF_ONLY_SV) < text.index(STAFF_ONLY_EN)  # Swedish first
    assert "samtalsinspelningar" not in post.blocks_text
    await running_bot.services.slack.close()  # type: ignore[union-attr]
    assert questions_logged(running_bot.services.sessions) == 0


async def test_slack_a_member_of_the_installations_team_is_answered(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    fake_slack.users[USER] = {"id": USER, "name": "anna", "team_id": TEAM_ID}

    await running_bot.post_slack(dm(QUESTION))

    [post] = await fake_slack.wait_for("chat.postMessage")
    assert "Hur länge sparar vi samtalsinspelningar?" in post.blocks_text
    assert STAFF_ONLY_SV not in post.params["text"]


async def test_slack_membership_costs_no_call_per_click_beyond_the_cached_users_info(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    fake_slack.users[USER] = {"id": USER, "name": "anna", "team_id": TEAM_ID}

    for n in range(1, 4):  # one after another: a burst's first misses may overlap
        await running_bot.post_slack(dm(f"{QUESTION} {n}"))
        await fake_slack.wait_for("chat.postMessage", n)

    assert len(fake_slack.calls_to("users.info")) == 1
    assert len(fake_slack.calls_to("auth.test")) <= 1  # the installation's team, once


async def test_slack_a_guests_app_home_shows_only_the_refusal(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    fake_slack.users[USER] = {"id": USER, "name": "gus", "is_restricted": True}

    await running_bot.post_slack(home_opened(USER))

    [publish] = await fake_slack.wait_for("views.publish")
    view = json.dumps(publish.params["view"], ensure_ascii=False)
    assert STAFF_ONLY_SV in view
    assert "Det här kan jag" not in view


@pytest.fixture
async def channel_routine(
    start_bot: Callable[[Settings], Any],
    bot_settings: Settings,
    fake_slack: FakeSlackApi,
    tmp_path: Path,
) -> SlackRoutine:
    fake_slack.users[GUEST] = {"id": GUEST, "name": "gus", "is_restricted": True}
    members = [ANNA, GUEST]  # the guest is in the channel
    return await start_channel_routine(start_bot, bot_settings, fake_slack, tmp_path, members)


GUEST = "UGUEST"


async def test_slack_a_guest_in_the_channel_cannot_confirm_and_nothing_is_ledgered(
    channel_routine: SlackRoutine,
) -> None:
    before = ledger_entries(channel_routine.sessions)

    await channel_routine.click(ACTION_CONFIRM, user=GUEST)

    [private] = await channel_routine.slack.wait_for("chat.postEphemeral")
    assert private.params["user"] == GUEST
    assert STAFF_ONLY_SV in private.params["text"]
    await channel_routine.settle()
    assert channel_routine.slack.calls_to("chat.update") == []
    assert count(channel_routine.sessions, Confirmation) == 0
    assert occurrence(channel_routine.sessions, channel_routine.occurrence_id)[0] == "open"
    assert ledger_entries(channel_routine.sessions) == before


async def test_slack_a_member_in_the_same_channel_still_confirms(
    channel_routine: SlackRoutine,
) -> None:
    await channel_routine.click(ACTION_CONFIRM, user=ANNA)

    [update] = await channel_routine.slack.wait_for("chat.update")
    assert "Bekräftad av Anna" in update.blocks_text


# --- Teams ------------------------------------------------------------------------------

ANNA_MEMBER = {"id": "29:anna", "aadObjectId": ANNA_AAD, "email": "anna@example.se"}


@pytest.mark.parametrize(
    "member",
    [{"userRole": "guest", "tenantId": TENANT}, {"userRole": "user", "tenantId": "tenant-other"}],
    ids=["guest", "other-tenant"],
)
async def test_teams_an_external_persons_question_is_refused_and_not_logged(
    start_teams_bot: StartTeamsBot, member: dict[str, str]
) -> None:
    teams = await start_teams_bot(signed=True)
    teams.connector.members["29:anna"] = {**ANNA_MEMBER, **member}

    reply = only(await teams.say(QUESTION))

    text = reply.activity.get("text", "")
    assert STAFF_ONLY_SV in text and STAFF_ONLY_EN in text
    assert reply.card is None or "samtalsinspelningar" not in card_text(reply.card)
    assert questions_logged(teams.sessions) == 0


async def test_teams_a_member_of_the_tenant_is_answered(start_teams_bot: StartTeamsBot) -> None:
    teams = await start_teams_bot(signed=True)
    teams.connector.members["29:anna"] = {**ANNA_MEMBER, "userRole": "user", "tenantId": TENANT}

    reply = only(await teams.say(QUESTION))

    assert reply.card is not None and "90 dagar" in card_text(reply.card)
    assert questions_logged(teams.sessions) == 1


async def test_teams_a_guests_confirm_click_records_nothing(
    start_teams_bot: StartTeamsBot, tmp_path: Path
) -> None:
    catalogue = write_catalogue(
        tmp_path / "routines.yaml",
        post_to=f"{{platform: teams, person: {ANNA_AAD}}}",
        assignee=f"teams:{ANNA_AAD}",
        evidence="optional",
    )
    teams = await start_teams_bot(signed=True, routines_files=[str(catalogue)])
    teams.services.clock = lambda: CLICKED
    await teams.say("hej")  # the bot now knows the personal chat (the lookup failed: 404)
    occurrence_id = await post_due_routine(teams.services, catalogue)
    card_id = posted_message_id(teams.sessions, occurrence_id)
    teams.connector.members["29:anna"] = {**ANNA_MEMBER, "userRole": "guest"}
    before = ledger_entries(teams.sessions)

    reply = only(await teams.click(ACTION_CONFIRM, str(occurrence_id), on=card_id))

    assert STAFF_ONLY_SV in reply.activity.get("text", "")
    assert count(teams.sessions, Confirmation) == 0
    assert occurrence(teams.sessions, occurrence_id)[0] == "open"
    assert ledger_entries(teams.sessions) == before
    assert ledger.CONFIRMATION_RECORDED not in ledger_entries(teams.sessions)
