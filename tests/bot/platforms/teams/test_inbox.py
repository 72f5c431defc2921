"""Teams through the durable inbox: an authenticated message or card submit is stored
(with its claim) before Bot Framework gets its 200, its turn runs afterwards with the
replies going through the connector, and one a dead process stored but never worked on
is answered by the next process, at the activity's serviceUrl and conversation."""

from __future__ import annotations

import json

from bot.config import Settings
from bot.platforms.teams.handler import inbox_entry
from testing.bot_connector import FakeBotConnector
from tests.bot.platforms.inbox_helpers import hold_work, stored_by_a_dead_process, stored_rows
from tests.bot.platforms.teams.fixtures import (
    StartTeamsBot,
    TeamsBotServer,
    card_text,
    message_activity,
    only,
)

QUESTION = "Hur länge sparar vi samtalsinspelningar?"


async def test_a_message_is_stored_before_the_200_and_answered_after(
    teams_bot: TeamsBotServer,
) -> None:
    release = hold_work(teams_bot.front_end._inbox)
    activity = message_activity(teams_bot.connector.url, id="held-1", text=QUESTION)

    status, _ = await teams_bot.post_only(activity)

    assert status == 200
    assert stored_rows(teams_bot.sessions) == [("teams", "message")]
    assert teams_bot.connector.calls == []
    release.set()
    await teams_bot.front_end.settled()
    reply = only(teams_bot.connector.calls)
    assert (reply.kind, reply.conversation_id, reply.activity_id) == (
        "reply", "a:anna-personal", "held-1",
    )  # fmt: skip
    assert QUESTION in card_text(reply.card)
    assert stored_rows(teams_bot.sessions) == []


async def test_a_card_submit_is_stored_before_the_200_too(teams_bot: TeamsBotServer) -> None:
    release = hold_work(teams_bot.front_end._inbox)
    submit = message_activity(
        teams_bot.connector.url, id="click-1", text=None, replyToId="card-1",
        value={"action_id": "answer.up", "value": "1"},
    )  # fmt: skip

    status, _ = await teams_bot.post_only(submit)

    assert status == 200
    assert stored_rows(teams_bot.sessions) == [("teams", "message")]
    release.set()
    await teams_bot.front_end.settled()
    assert stored_rows(teams_bot.sessions) == []


async def test_an_activity_stored_by_a_dead_process_is_answered_by_the_next(
    start_teams_bot: StartTeamsBot, teams_settings: Settings, bot_connector: FakeBotConnector
) -> None:
    activity = message_activity(bot_connector.url, id="orphan-1", text=QUESTION)
    entry = inbox_entry(activity)
    assert entry is not None
    kind, key = entry
    await stored_by_a_dead_process(teams_settings, "teams", key, kind, json.dumps(activity))

    bot = await start_teams_bot()

    await bot_connector.wait_for(1)
    await bot.front_end.settled()
    reply = only(bot_connector.calls)
    assert (reply.kind, reply.activity_id) == ("reply", "orphan-1")
    assert QUESTION in card_text(reply.card)
    assert stored_rows(bot.sessions) == []
