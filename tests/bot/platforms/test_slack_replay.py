"""Slack requests in the shapes Slack really sends, replayed signed to the running bot.

Each file in payloads/slack/ is one request written from Slack's documented payloads
(fake ids): Events API envelopes (message.im, app_mention, message subtypes, joins,
App Home, url_verification, app_rate_limited, tokens_revoked, app_uninstalled),
interaction payloads (block_actions from a message, a thread, an ephemeral reply, the
App Home and a modal; view_submission, view_closed, shortcuts) and slash command forms.
Its `expect` says what the bot must do with it; whatever it is, the answer is never a
5xx, nothing is logged with a traceback, and no log line carries a platform id or the
words of the message.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.logs import NOISY_LOGGERS
from bot.records.questions import QuestionRecord
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import dm
from tests.bot.conftest import RunningBot

FIXTURES = sorted((Path(__file__).parent / "payloads" / "slack").glob("*.json"))
# What the bot posts or shows somewhere: a silent request makes none of these calls.
POSTING = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "views.publish")
# Platform ids and words of the fixtures that must appear in no log line.
SECRETS = ("U0000ANNA", "D0000ANNA", "C0000KUND", "W0000GRID", "samtalsinspelningar", "anna")
MARKER = "help"  # a message sent after a silent request: its reply shows the bot has moved on


def _fixture(path: Path) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return fixture


def _body(fixture: dict[str, Any], response_url: str) -> str:
    """The request body as Slack sends it: JSON, a form with `payload`, or form fields."""
    raw = json.dumps(fixture["body"], ensure_ascii=False).replace("{response_url}", response_url)
    if fixture.get("form"):
        return urlencode({"payload": raw})
    if fixture.get("fields"):
        return urlencode(json.loads(raw))
    return raw


def _posts(fake_slack: FakeSlackApi) -> list[str]:
    hooks = [call.method for call in fake_slack.calls if call.method == "response_url"]
    return [call.method for call in fake_slack.calls if call.method in POSTING] + hooks


def _logged(record: logging.LogRecord) -> str:
    """A record's message and every extra field, as a JSON log line would carry them."""
    extras = {k: v for k, v in vars(record).items() if k not in _PLAIN_RECORD}
    return f"{record.getMessage()} {extras!r}"


_PLAIN_RECORD = frozenset(vars(logging.makeLogRecord({})))


@pytest.fixture
def bot_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record the bot's own loggers make at DEBUG; third-party libraries at WARNING,
    as `gdpr-bot run` configures them (their DEBUG lines echo whole requests)."""
    caplog.set_level(logging.DEBUG)
    for noisy in NOISY_LOGGERS:
        caplog.set_level(logging.WARNING, logger=noisy)
    return caplog


@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
async def test_a_real_slack_request_is_handled_as_slack_means_it(
    path: Path,
    running_bot: RunningBot,
    fake_slack: FakeSlackApi,
    bot_logs: pytest.LogCaptureFixture,
) -> None:
    fixture = _fixture(path)
    expect = fixture["expect"]
    body = _body(fixture, fake_slack.response_url())
    if "after" in fixture:  # the request this one follows (the original of an edit)
        first = _fixture(path.with_name(f"{fixture['after']}.json"))
        await running_bot.post_slack(_body(first, fake_slack.response_url()))
        await fake_slack.wait_for("chat.postMessage")
    before = len(_posts(fake_slack))

    response = await running_bot.post_slack(body, headers=fixture.get("headers"))
    if expect == "answer_once":  # the original delivery, then the fixture's retry
        response = await running_bot.post_slack(body)

    assert response.status < 500
    if expect == "ack_or_reject":
        assert 200 <= response.status < 500
    elif expect == "unhandled":  # no listener (a modal or shortcut not the bot's): bolt's 404
        assert response.status == 404
    else:
        assert response.status == 200, (response.status, fixture["about"])
    assert running_bot.services.slack is not None
    if expect in ("answer", "answer_once"):
        [post] = await fake_slack.wait_for("chat.postMessage", count=before + 1)
        post = fake_slack.calls_to("chat.postMessage")[before]
        if "thread_ts" in fixture:
            assert post.params.get("thread_ts") == fixture["thread_ts"]
        with running_bot.services.sessions() as session:
            asked = session.scalars(select(QuestionRecord.text)).all()
        assert asked and not [text for text in asked if "<@" in text or "&lt;" in text], asked
    elif expect == "home":
        await fake_slack.wait_for("views.publish")
    elif expect == "respond":
        await fake_slack.wait_for("response_url")
    elif expect == "challenge":
        assert fixture["body"]["challenge"] in await response.text()

    # Then a plain question: once it is answered, the fixture's work is long done.
    await running_bot.services.slack.settled()
    await running_bot.post_slack(dm(MARKER))
    await fake_slack.wait_until(
        lambda: any("What I can do" in post.blocks_text for post in fake_slack.calls),
        "chat.postMessage",
    )
    await running_bot.services.slack.settled()
    made = _posts(fake_slack)[before:]
    if expect in ("silent", "unhandled"):
        assert made == ["chat.postMessage"], (fixture["about"], made)  # the marker's only
    elif expect == "answer_once":
        assert made == ["chat.postMessage"] * 2, made  # one answer, then the marker's

    tracebacks = [r.getMessage() for r in bot_logs.records if r.exc_info]
    assert not tracebacks, tracebacks
    leaks = [
        line
        for line in map(_logged, bot_logs.records)
        if any(secret.lower() in line.lower() for secret in SECRETS)
    ]
    assert not leaks, leaks[:3]
