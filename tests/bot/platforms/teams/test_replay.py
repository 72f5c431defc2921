"""Teams activities in the shapes Teams really sends, replayed to the running bot.

Each file in payloads/teams/ is one activity written from Microsoft's documented shapes
(fake ids; `{service_url}` is the fake Bot Connector): 1:1, channel and group-chat
messages (mention entities, `<at>` and `&nbsp;`, HTML text, locales, emoji and RTL,
empty and missing text), Action.Submit clicks, conversationUpdate and
installationUpdate, reactions, edits and deletions, invokes, events. Its `expect`
says what the bot must do; whatever it is, the answer is never a 5xx, nothing is logged
with a traceback, and no log line carries a platform id, a name or the message's words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.records.questions import QuestionRecord
from tests.bot.platforms.replay import assert_logs_clean, fixture_files, load
from tests.bot.platforms.teams.fixtures import StartTeamsBot

FIXTURES = fixture_files("teams")
SECRETS = (
    "1fake-anna-user-id",
    "0000000a77a0",
    "anna",
    "1fake-personal-conversation-id",
    "fake-channel-id",
    "fake-group-chat",
    "fake-new-channel",
    "fake-meeting-chat",
    "Nya kanalen",
    "Kundtjänst",
    "Bergström",
    "samtalsinspelningar",
)
POSTED = ("send", "reply", "update", "create")  # the connector calls that show something


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "development"])
@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
async def test_a_real_teams_activity_is_handled_as_teams_means_it(
    path: Path,
    signed: bool,
    start_teams_bot: StartTeamsBot,
    bot_logs: pytest.LogCaptureFixture,
) -> None:
    """`signed`: authentication on and the activity signed, as Teams sends it; else the
    loopback development mode."""
    teams_bot = await start_teams_bot(signed=signed)
    fixture = load(path, service_url=teams_bot.connector.url)
    activity = fixture["body"]
    expect = fixture["expect"]

    status, _ = await teams_bot.post(activity)

    assert status == 200, (status, fixture["about"])
    shown = [call for call in teams_bot.connector.calls if call.kind in POSTED]
    if expect == "answer":
        [reply] = shown
        wanted = fixture.get("conversation_id", activity["conversation"]["id"])
        assert reply.conversation_id == wanted
        with teams_bot.sessions() as session:
            asked = session.scalars(select(QuestionRecord.text)).all()
        assert asked and not [text for text in asked if "<" in text or "&nbsp" in text], asked
        if "asked" in fixture:  # exactly the person's new words were taken as the question
            assert asked == [fixture["asked"]]
    elif expect == "greeting":  # the welcome, in the new 1:1 chat
        assert shown and {call.conversation_id for call in shown} == {
            activity["conversation"]["id"]
        }
    elif expect in ("silent", "invoke_ok"):
        assert shown == [], (fixture["about"], shown)

    assert_logs_clean(bot_logs.records, (*SECRETS, activity["id"]))  # the message's id too
