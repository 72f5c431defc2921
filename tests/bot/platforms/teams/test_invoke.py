"""Invoke activities the bot does not implement, over real HTTP: answered 200, not 501.

The bot's cards use Action.Submit (a message activity with a value), so Teams has no
reason to send it `adaptiveCard/action`, `task/fetch` or message-extension invokes; if
one arrives all the same (an old card, another client), it is a valid request that the
bot ignores, never a server error.
"""

from __future__ import annotations

import logging

import pytest

from tests.bot.platforms.teams.fixtures import TeamsBotServer, message_activity

INVOKES = {
    "adaptiveCard/action": {
        "action": {"type": "Action.Execute", "verb": "refresh", "data": {"x": "1"}},
        "trigger": "manual",
    },
    "task/fetch": {"type": "task/fetch", "data": {"x": "1"}},
    "composeExtension/query": {"commandId": "search", "parameters": []},
    "signin/verifyState": {"state": "123456"},
}


@pytest.mark.parametrize("name", INVOKES)
async def test_an_invoke_the_bot_does_not_implement_is_answered_200_and_ignored(
    teams_bot: TeamsBotServer, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    invoke = message_activity(
        teams_bot.connector.url,
        id=teams_bot.next_id(),
        type="invoke",
        name=name,
        text=None,
        value=INVOKES[name],
        replyToId="card-1",
    )

    status, _ = await teams_bot.post(invoke)

    assert status == 200
    assert teams_bot.connector.calls == []
    assert [r for r in caplog.records if r.getMessage().startswith("teams invoke ignored")]


async def test_an_adaptive_card_invoke_without_a_value_is_a_client_error(
    teams_bot: TeamsBotServer,
) -> None:
    invoke = message_activity(
        teams_bot.connector.url, id="invoke-1", type="invoke", name="adaptiveCard/action", text=None
    )
    invoke["value"] = None

    status, _ = await teams_bot.post(invoke)

    assert status == 400
    assert teams_bot.connector.calls == []
