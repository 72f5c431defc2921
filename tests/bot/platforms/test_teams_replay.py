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

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.logs import NOISY_LOGGERS
from bot.records.questions import QuestionRecord
from tests.bot.platforms.teams.fixtures import TeamsBotServer

FIXTURES = sorted((Path(__file__).parent / "payloads" / "teams").glob("*.json"))
SECRETS = (
    "1fake-anna-user-id",
    "0000000a77a0",
    "anna",
    "1fake-personal-conversation-id",
    "fake-channel-id",
    "fake-group-chat",
    "samtalsinspelningar",
)
POSTED = ("send", "reply", "update", "create")  # the connector calls that show something


def _activity(path: Path, service_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    fixture: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    body = json.loads(json.dumps(fixture["body"]).replace("{service_url}", service_url))
    return fixture, body


def _logged(record: logging.LogRecord) -> str:
    extras = {k: v for k, v in vars(record).items() if k not in _PLAIN_RECORD}
    return f"{record.getMessage()} {extras!r}"


_PLAIN_RECORD = frozenset(vars(logging.makeLogRecord({})))


@pytest.fixture
def bot_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """The bot's own records at DEBUG, third-party ones at WARNING, as `gdpr-bot run`."""
    caplog.set_level(logging.DEBUG)
    for noisy in NOISY_LOGGERS:
        caplog.set_level(logging.WARNING, logger=noisy)
    return caplog


@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
async def test_a_real_teams_activity_is_handled_as_teams_means_it(
    path: Path, teams_bot: TeamsBotServer, bot_logs: pytest.LogCaptureFixture
) -> None:
    fixture, activity = _activity(path, teams_bot.connector.url)
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
    elif expect == "greeting":  # the welcome, in the new 1:1 chat
        assert shown and {call.conversation_id for call in shown} == {
            activity["conversation"]["id"]
        }
    elif expect in ("silent", "invoke_ok"):
        assert shown == [], (fixture["about"], shown)

    tracebacks = [r.getMessage() for r in bot_logs.records if r.exc_info]
    assert not tracebacks, tracebacks
    leaks = [
        line
        for line in map(_logged, bot_logs.records)
        if any(secret.lower() in line.lower() for secret in SECRETS)
    ]
    assert not leaks, leaks[:3]
