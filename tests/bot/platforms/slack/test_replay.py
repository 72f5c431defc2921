"""Slack requests in the shapes Slack really sends, replayed to the running bot over
signed HTTP and over Socket Mode.

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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.records.questions import QuestionRecord
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import dm
from testing.socket_mode import FakeSocketMode
from tests.bot.conftest import RunningBot
from tests.bot.platforms.replay import assert_logs_clean, fixture_files, load

FIXTURES = fixture_files("slack")
IDS = [path.stem for path in FIXTURES]
# What the bot posts or shows somewhere: a silent request makes none of these calls.
POSTING = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "views.publish")
SECRETS = (
    "U0000ANNA", "D0000ANNA", "C0000KUND", "C0000PRIV", "C0000MPIM", "W0000GRID", "E0000GRID",
    "F0000FILE", "skarmbild", "samtalsinspelningar", "anna",
)  # fmt: skip
# Requests Slack sends over HTTP only (the Request URL's check, its rate-limit notice,
# its SSL certificate check).
HTTP_ONLY = ("url_verification", "app_rate_limited", "ssl_check")


def _http_body(fixture: dict[str, Any]) -> str:
    """The request body as Slack posts it: JSON, a form with `payload`, or form fields."""
    if fixture.get("form"):
        return urlencode({"payload": json.dumps(fixture["body"])})
    if fixture.get("fields"):
        return urlencode(fixture["body"])
    return json.dumps(fixture["body"], ensure_ascii=False)


def _envelope_type(fixture: dict[str, Any]) -> str:
    if fixture.get("form"):
        return "interactive"
    return "slash_commands" if fixture.get("fields") else "events_api"


def _posts(fake_slack: FakeSlackApi) -> list[str]:
    posted = [call.method for call in fake_slack.calls if call.method in POSTING]
    return posted + [call.method for call in fake_slack.calls if call.method == "response_url"]


class Replay:
    """One fixture against one running bot: what was posted before it, and the checks."""

    def __init__(
        self,
        path: Path,
        bot: RunningBot,
        fake_slack: FakeSlackApi,
        send: Callable[[dict[str, Any]], Awaitable[Any]],
    ) -> None:
        """`send(event_callback)`: deliver an event the way this test delivers the fixture."""
        self.path = path
        self.bot = bot
        self.fake_slack = fake_slack
        self.send = send
        self.fixture = load(path, response_url=fake_slack.response_url())
        self.expect: str = self.fixture["expect"]
        self.before = 0

    def original(self) -> dict[str, Any] | None:
        """The request this one follows (the original of an edit), if any."""
        after = self.fixture.get("after")
        if after is None:
            return None
        return load(
            self.path.with_name(f"{after}.json"), response_url=self.fake_slack.response_url()
        )

    async def check_behaviour(self) -> None:
        """The reply the fixture expects; then a plain question, once whose answer is in
        the fixture's work is long done, and nothing else may have been posted."""
        fake_slack, before = self.fake_slack, self.before
        if self.expect in ("answer", "answer_once"):
            await fake_slack.wait_for("chat.postMessage", count=before + 1)
            post = fake_slack.calls_to("chat.postMessage")[before]
            if "thread_ts" in self.fixture:
                assert post.params.get("thread_ts") == self.fixture["thread_ts"]
            with self.bot.services.sessions() as session:
                asked = session.scalars(select(QuestionRecord.text)).all()
            assert asked and not [q for q in asked if "<@" in q or "&lt;" in q], asked
        elif self.expect == "home":
            await fake_slack.wait_for("views.publish")
        elif self.expect == "respond":
            await fake_slack.wait_for("response_url")
        slack = self.bot.services.slack
        assert slack is not None
        await slack.settled()
        await self.send(dm("help"))
        await fake_slack.wait_until(
            lambda: any("What I can do" in post.blocks_text for post in fake_slack.calls),
            "chat.postMessage",
        )
        await slack.settled()
        made = _posts(fake_slack)[before:]
        if self.expect == "silent":
            assert made == ["chat.postMessage"], (self.fixture["about"], made)  # the marker's
        elif self.expect == "answer_once":
            assert made == ["chat.postMessage"] * 2, made  # one answer, then the marker's


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
async def test_a_real_slack_request_over_http_is_handled_as_slack_means_it(
    path: Path,
    running_bot: RunningBot,
    fake_slack: FakeSlackApi,
    bot_logs: pytest.LogCaptureFixture,
) -> None:
    replay = Replay(path, running_bot, fake_slack, running_bot.post_slack)
    if (original := replay.original()) is not None:
        await running_bot.post_slack(_http_body(original))
        await fake_slack.wait_for("chat.postMessage")
    replay.before = len(_posts(fake_slack))
    body = _http_body(replay.fixture)

    response = await running_bot.post_slack(body, headers=replay.fixture.get("headers"))
    if replay.expect == "answer_once":  # the retry came first; now the original delivery
        response = await running_bot.post_slack(body)

    assert response.status == 200, (response.status, replay.fixture["about"])
    if replay.expect == "challenge":
        assert replay.fixture["body"]["challenge"] in await response.text()
    await replay.check_behaviour()
    assert_logs_clean(bot_logs.records, SECRETS)


SOCKET_FIXTURES = [path for path in FIXTURES if path.stem not in HTTP_ONLY]


@pytest.mark.parametrize("path", SOCKET_FIXTURES, ids=[path.stem for path in SOCKET_FIXTURES])
async def test_a_real_slack_request_over_socket_mode_is_handled_as_slack_means_it(
    path: Path,
    socket_bot: RunningBot,
    socket_server: FakeSocketMode,
    fake_slack: FakeSlackApi,
    bot_logs: pytest.LogCaptureFixture,
) -> None:
    replay = Replay(path, socket_bot, fake_slack, socket_server.send_events_api)
    if (original := replay.original()) is not None:
        await socket_server.send(_envelope_type(original), original["body"])
        await fake_slack.wait_for("chat.postMessage")
    replay.before = len(_posts(fake_slack))
    kind = _envelope_type(replay.fixture)
    retried = 1 if replay.fixture.get("headers", {}).get("X-Slack-Retry-Num") else 0

    envelope = await socket_server.send(kind, replay.fixture["body"], retry_attempt=retried)
    if replay.expect == "answer_once":
        envelope = await socket_server.send(kind, replay.fixture["body"])

    await socket_server.wait_for_ack(envelope)
    await replay.check_behaviour()
    assert_logs_clean(bot_logs.records, SECRETS)
