"""A routine channel the bot cannot post in (Slack: not_in_channel, channel_not_found,
is_archived): no retries, one fix-it message to the routine's people, listed in `overdue`.

Against the fake Slack Web API over loopback; the routine is ticked with `now` passed in.
"""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from routines.catalog import load_catalog
from routines.engine.models import FAILED, PROBLEM, Notification
from routines.engine.problems import PROBE_INTERVAL
from routines.reports.overdue import overdue_occurrences
from routines.service import RoutineService
from storage.sessions import transaction
from testing.slack_api import BOT_USER_ID, TEAM_ID, FakeSlackApi
from testing.slack_payloads import event_callback
from tests.bot.conftest import RunningBot
from tests.bot.test_platform_routines import FIRST_LOADED, POSTED, post_due_routine

CHANNEL = "C0GDPR"
LEAD, OFFICER = "ULEAD", "UOFFICER"

CATALOGUE = f"""\
routines:
  - id: retention
    title: {{sv: Gallring av kunddata, en: Customer data retention}}
    schedule: {{every: quarter, anchor: 2026-10-01}}
    business_days: true
    due_days: 14
    post_to: [{{platform: slack, channel: {CHANNEL}}}]
    assignees: {{people: ["slack:{LEAD}"], confirm: any}}
    escalate: {{after_days: 7, to: [{{platform: slack, person: {OFFICER}}}]}}
"""


@pytest.fixture
async def bot(
    tmp_path: Path, bot_settings: Settings, start_bot: Any, fake_slack: FakeSlackApi
) -> tuple[RunningBot, Path]:
    catalogue = tmp_path / "routines.yaml"
    catalogue.write_text(textwrap.dedent(CATALOGUE), encoding="utf-8")
    settings = bot_settings.model_copy(update={"routines_files": [str(catalogue)]})
    running: RunningBot = await start_bot(settings)
    return running, catalogue


def service_of(running: RunningBot, catalogue: Path) -> RoutineService:
    catalog = load_catalog([catalogue], include_default=False)
    return RoutineService(running.services.sessions, catalog, running.services.notifier)


def posts_to(fake_slack: FakeSlackApi, channel: str) -> list[Any]:
    return [c for c in fake_slack.calls if c.method == "chat.postMessage"
            and c.params.get("channel") == channel]  # fmt: skip


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
async def test_a_channel_post_that_cannot_be_delivered_is_not_retried(
    bot: tuple[RunningBot, Path], fake_slack: FakeSlackApi, error: str
) -> None:
    running, catalogue = bot
    fake_slack.channel_problem(CHANNEL, error)

    occurrence_id = await post_due_routine(running.services, catalogue, posted=False)
    service = service_of(running, catalogue)
    for minutes in (1, 5, 14):  # every tick before the next probe
        await service.tick(POSTED + timedelta(minutes=minutes))

    assert len(posts_to(fake_slack, CHANNEL)) == 1
    with transaction(running.services.sessions) as session:
        row = session.scalars(
            select(Notification).where(
                Notification.occurrence_id == occurrence_id, Notification.kind == "post"
            )
        ).one()
        assert row.status == FAILED
        assert (row.last_error or "").startswith(f"{error}:")


async def test_the_routines_people_are_told_once_how_to_fix_it(
    bot: tuple[RunningBot, Path], fake_slack: FakeSlackApi
) -> None:
    running, catalogue = bot
    fake_slack.channel_problem(CHANNEL, "not_in_channel")

    await post_due_routine(running.services, catalogue, posted=False)
    await service_of(running, catalogue).tick(POSTED + timedelta(hours=1))

    [to_officer] = posts_to(fake_slack, OFFICER)
    [to_lead] = posts_to(fake_slack, LEAD)
    for message in (to_officer, to_lead):
        text = message.params["text"] + message.blocks_text
        assert "Gallring av kunddata" in text
        assert CHANNEL in text
        assert "/invite @gdpr-bot" in text


async def test_once_the_bot_is_invited_the_routine_reaches_the_channel(
    bot: tuple[RunningBot, Path], fake_slack: FakeSlackApi
) -> None:
    running, catalogue = bot
    fake_slack.channel_problem(CHANNEL, "not_in_channel")
    occurrence_id = await post_due_routine(running.services, catalogue, posted=False)
    service = service_of(running, catalogue)

    fake_slack.bot_joined(CHANNEL)  # someone typed /invite @gdpr-bot
    report = await service.tick(POSTED + PROBE_INTERVAL)

    assert report.dispatch.sent.get("post") == 1
    [_refused, delivered] = posts_to(fake_slack, CHANNEL)
    assert delivered.action_values("routine.confirm") == [str(occurrence_id)]
    with transaction(running.services.sessions) as session:
        assert overdue_occurrences(session, POSTED.date()) == []


def joined(user: str, channel: str = CHANNEL) -> dict[str, Any]:
    """Slack's member_joined_channel event, as signed and sent to /slack/events."""
    event = {"type": "member_joined_channel", "user": user, "channel": channel,
             "channel_type": "C", "team": TEAM_ID, "event_ts": "1700000000.000200"}  # fmt: skip
    return event_callback(event)


async def test_inviting_the_bot_posts_the_routine_at_once(
    bot: tuple[RunningBot, Path], fake_slack: FakeSlackApi
) -> None:
    running, catalogue = bot
    running.services.clock = lambda: POSTED + timedelta(minutes=2)  # before the next probe
    fake_slack.channel_problem(CHANNEL, "not_in_channel")
    occurrence_id = await post_due_routine(running.services, catalogue, posted=False)

    fake_slack.bot_joined(CHANNEL)
    response = await running.post_slack(joined(BOT_USER_ID))

    assert response.status == 200
    await fake_slack.wait_until(lambda: len(posts_to(fake_slack, CHANNEL)) == 2, "chat.postMessage")
    delivered = posts_to(fake_slack, CHANNEL)[-1]
    assert delivered.action_values("routine.confirm") == [str(occurrence_id)]


async def test_someone_else_joining_the_channel_changes_nothing(
    bot: tuple[RunningBot, Path], fake_slack: FakeSlackApi
) -> None:
    running, catalogue = bot
    running.services.clock = lambda: POSTED + timedelta(minutes=2)
    fake_slack.channel_problem(CHANNEL, "not_in_channel")
    await post_due_routine(running.services, catalogue, posted=False)

    await running.post_slack(joined("USOMEONE"))
    await running.services.slack.close()  # waits for the event's listener to finish

    assert len(posts_to(fake_slack, CHANNEL)) == 1
    with transaction(running.services.sessions) as session:
        [item] = overdue_occurrences(session, POSTED.date())
    assert [p.problem for p in item.problems] == ["not_in_channel"]


async def test_while_the_channel_stays_broken_it_is_probed_once_per_interval_quietly(
    bot: tuple[RunningBot, Path], fake_slack: FakeSlackApi
) -> None:
    running, catalogue = bot
    fake_slack.channel_problem(CHANNEL, "not_in_channel")
    await post_due_routine(running.services, catalogue, posted=False)
    service = service_of(running, catalogue)

    for probe in (1, 2, 3):
        await service.tick(POSTED + probe * PROBE_INTERVAL)
        await service.tick(POSTED + probe * PROBE_INTERVAL + timedelta(minutes=1))

    assert len(posts_to(fake_slack, CHANNEL)) == 1 + 3
    assert len(posts_to(fake_slack, OFFICER)) == 1 and len(posts_to(fake_slack, LEAD)) == 1


async def test_a_person_who_cannot_be_told_does_not_stop_the_others(
    bot: tuple[RunningBot, Path], fake_slack: FakeSlackApi
) -> None:
    running, catalogue = bot
    fake_slack.channel_problem(CHANNEL, "not_in_channel")
    fake_slack.channel_problem(LEAD, "channel_not_found")

    await post_due_routine(running.services, catalogue, posted=False)

    assert len(posts_to(fake_slack, OFFICER)) == 1
    with transaction(running.services.sessions) as session:
        kinds = session.scalars(
            select(Notification.kind).where(Notification.status == FAILED)
        ).all()
    assert sorted(kinds) == ["post", PROBLEM]  # the lead's DM failed once, no loop


async def test_overdue_lists_an_undeliverable_occurrence_before_its_due_date(
    bot: tuple[RunningBot, Path], fake_slack: FakeSlackApi
) -> None:
    running, catalogue = bot
    fake_slack.channel_problem(CHANNEL, "not_in_channel")
    occurrence_id = await post_due_routine(running.services, catalogue, posted=False)

    with transaction(running.services.sessions) as session:
        [item] = overdue_occurrences(session, POSTED.date())
    assert item.occurrence_id == occurrence_id
    assert [(p.channel, p.problem) for p in item.problems] == [(CHANNEL, "not_in_channel")]


async def test_a_channel_that_works_records_no_problem(
    bot: tuple[RunningBot, Path], fake_slack: FakeSlackApi
) -> None:
    running, catalogue = bot
    await post_due_routine(running.services, catalogue)

    assert posts_to(fake_slack, OFFICER) == [] and posts_to(fake_slack, LEAD) == []
    with transaction(running.services.sessions) as session:
        assert overdue_occurrences(session, POSTED.date()) == []


TEAMS_CHANNEL = "19:kundservice@thread.tacv2"


async def test_teams_a_channel_without_the_app_gets_the_routine_once_the_app_is_added(
    tmp_path: Path, start_teams_bot: Any
) -> None:
    from tests.bot.platforms.teams.fixtures import install_activity

    catalogue = tmp_path / "routines.yaml"
    text = CATALOGUE.replace(f"{{platform: slack, channel: {CHANNEL}}}",
                             f"{{platform: teams, channel: '{TEAMS_CHANNEL}'}}")  # fmt: skip
    catalogue.write_text(textwrap.dedent(text), encoding="utf-8")
    teams = await start_teams_bot(routines_files=[str(catalogue)])
    teams.services.clock = lambda: POSTED + timedelta(minutes=2)
    occurrence_id = await post_due_routine(teams.services, catalogue, posted=False)
    with transaction(teams.sessions) as session:
        [item] = overdue_occurrences(session, POSTED.date())
    assert [p.problem for p in item.problems] == ["not_installed"]
    teams.connector.clear()

    await teams.send(install_activity(teams.connector.url, id="install-routine"))

    sends = [c for c in teams.connector.of_kind("send") if c.conversation_id == TEAMS_CHANNEL]
    assert len(sends) == 1
    with transaction(teams.sessions) as session:
        assert overdue_occurrences(session, POSTED.date()) == []
        row = session.scalars(
            select(Notification).where(
                Notification.occurrence_id == occurrence_id, Notification.kind == "post"
            )
        ).one()
        assert row.status == "sent"


async def test_the_compliance_officers_are_told_too_when_the_routine_names_nobody(
    tmp_path: Path, bot_settings: Settings, start_bot: Any, fake_slack: FakeSlackApi
) -> None:
    catalogue = tmp_path / "routines.yaml"
    nobody = CATALOGUE.replace(
        f'assignees: {{people: ["slack:{LEAD}"], confirm: any}}', "assignees: channel"
    ).split("    escalate:")[0]
    catalogue.write_text(textwrap.dedent(nobody), encoding="utf-8")
    running: RunningBot = await start_bot(bot_settings)
    fake_slack.channel_problem(CHANNEL, "not_in_channel")
    catalog = load_catalog([catalogue], include_default=False)
    service = RoutineService(
        running.services.sessions, catalog, running.services.notifier,
        problem_contacts=["UCOMPLIANCE", "not-an-id"],
    )  # fmt: skip

    await service.tick(FIRST_LOADED)
    await service.tick(POSTED + timedelta(hours=1))

    [to_officer] = posts_to(fake_slack, "UCOMPLIANCE")
    assert "/invite @gdpr-bot" in to_officer.params["text"] + to_officer.blocks_text
