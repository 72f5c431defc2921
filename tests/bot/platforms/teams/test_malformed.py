"""Teams: seeded random mutations of real activities (a message, a card click) posted to
/api/messages never get a server error, and the bot still answers afterwards."""

from __future__ import annotations

from testing.mutations import mutants
from tests.bot.platforms.teams.fixtures import TeamsBotServer, message_activity


async def test_random_mutations_never_get_a_server_error(teams_bot: TeamsBotServer) -> None:
    url = teams_bot.connector.url
    message = message_activity(url, id="m-1", text="hej")
    click = message_activity(url, id="c-1", text=None, replyToId="card-1",
                             value={"action_id": "routine.confirm", "value": "1"})  # fmt: skip
    statuses: dict[int, int] = {}
    for mutant in mutants([message, click], 300, seed=14):
        status, _ = await teams_bot.post(mutant)
        statuses[status] = statuses.get(status, 0) + 1

    assert not [status for status in statuses if status >= 500], statuses
    assert await teams_bot.say("how long do we keep call recordings?")
