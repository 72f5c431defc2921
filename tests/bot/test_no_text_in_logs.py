"""Application logs never contain what people wrote, their names or e-mail addresses.

A question carrying a recognisable marker goes through Slack (HTTP events, slash command,
mention), Teams and the console, with feedback clicks, while every logger runs at DEBUG
in JSON and in text format. The marker, the Teams display name, an e-mail address in
the question and the platform ids (Slack member and DM channel, Teams user and AAD object)
must appear in no log line, although the bot's own DEBUG lines do.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.logs import configure_logging
from bot.platforms.console.front_end import Console
from bot.records.questions import QuestionRecord
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import DM_CHANNEL as SLACK_DM
from testing.slack_payloads import USER as SLACK_USER
from testing.slack_payloads import block_action, dm, mention, slash_command
from tests.bot.conftest import RunningBot
from tests.bot.platforms.teams.fixtures import TeamsBotServer

MARKER = "ZEBRA-7741"
EMAIL = "zebra.7741@example.se"
QUESTION = f"Får vi spara samtalsinspelningar {MARKER}? Fråga {EMAIL}"
TEAMS_NAME = "Anna Andersson"  # the display name the Teams fixture's activities carry
SECRETS = (MARKER, "zebra", "7741", EMAIL, TEAMS_NAME, "29:anna", "aad-anna", SLACK_USER, SLACK_DM)


@pytest.fixture(params=["json", "text"])
def logs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Everything the bot logs at DEBUG, configured exactly as `gdpr-bot run` does."""
    monkeypatch.setenv("GDPRBOT_LOG_FORMAT", request.param)
    monkeypatch.setenv("GDPRBOT_LOG_LEVEL", "DEBUG")
    settings = Settings()
    buffer = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    monkeypatch.setattr(sys, "stderr", buffer)  # configure_logging's handler writes there
    configure_logging(settings.log_level, settings.log_format)
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)


def assert_clean(buffer: io.StringIO) -> None:
    output = buffer.getvalue()
    assert "question logged" in output, "the capture saw none of the bot's own DEBUG lines"
    for secret in SECRETS:
        leaks = [line for line in output.splitlines() if secret.lower() in line.lower()]
        assert not leaks, f"{secret!r} leaked into the logs:\n" + "\n".join(leaks[:5])


def marker_was_stored(bot: RunningBot | TeamsBotServer) -> bool:
    """Sanity: the question really went through the bot (into the anonymous question log)."""
    with bot.services.sessions() as session:
        return any(MARKER in text for text in session.scalars(select(QuestionRecord.text)))


async def test_slack_never_logs_message_text(
    logs: io.StringIO, running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await running_bot.post_slack(dm(QUESTION))
    [post] = await fake_slack.wait_for("chat.postMessage")
    await running_bot.post_slack(mention(QUESTION, ts="1700000009.000100"))
    await fake_slack.wait_for("chat.postMessage", 2)
    await running_bot.post_slack(slash_command(QUESTION, fake_slack.response_url()))
    await fake_slack.wait_for("response_url")
    [question_id] = post.action_values("answer.down")
    await running_bot.post_slack(
        block_action("answer.down", question_id, fake_slack.response_url("vote"))
    )
    await fake_slack.wait_for("chat.postMessage", 3)  # the "thanks" for the vote

    assert marker_was_stored(running_bot)
    assert_clean(logs)


async def test_teams_never_logs_message_text_or_names(
    logs: io.StringIO, teams_bot: TeamsBotServer
) -> None:
    replies = await teams_bot.say(QUESTION)
    assert replies, "the bot did not answer"
    card = replies[-1].card
    assert card is not None
    await teams_bot.click("answer.up", _question_id(teams_bot))

    assert marker_was_stored(teams_bot)
    assert_clean(logs)


async def test_console_never_logs_message_text(logs: io.StringIO, running_bot: RunningBot) -> None:
    shown: list[str] = []
    console = Console(running_bot.services.pipeline, write=shown.append, user_id="local")
    await console.say(QUESTION)
    await console.say("1")  # 👍

    assert any("[1]" in text for text in shown)
    assert marker_was_stored(running_bot)
    assert_clean(logs)


def test_the_capture_would_see_a_leak(logs: io.StringIO) -> None:
    """The check can fail: a warning from a capped library logger still gets through."""
    logging.getLogger("slack_bolt.AsyncApp").warning("body: %s", MARKER)
    logging.getLogger("bot.records.questions").debug("question logged")
    with pytest.raises(AssertionError, match="leaked"):
        assert_clean(logs)


def _question_id(bot: TeamsBotServer) -> str:
    with bot.services.sessions() as session:
        ids = session.scalars(select(QuestionRecord.id).order_by(QuestionRecord.id.desc()))
        return str(ids.first())


@pytest.mark.parametrize(
    "library_logger",
    [
        "slack_bolt.AsyncApp",
        "slack_sdk.web.async_base_client",
        "slack_sdk.socket_mode.aiohttp",
        "botbuilder.core.bot_framework_adapter",
        "msrest.http_logger",
        "aiohttp.access",
        "urllib3.connectionpool",  # the Bot Connector's URLs carry conversation and user ids
    ],
)
def test_libraries_that_log_bodies_are_capped_at_warning(
    logs: io.StringIO, library_logger: str
) -> None:
    logger = logging.getLogger(library_logger)
    logger.debug("request body: %s", MARKER)
    logger.info("request body: %s", MARKER)
    assert MARKER not in logs.getvalue()
    assert not logger.isEnabledFor(logging.INFO)


@pytest.mark.parametrize("chained", [False, True])
def test_a_logged_exception_shows_where_and_what_kind_but_never_its_message(
    logs: io.StringIO, chained: bool
) -> None:
    """An exception's message may quote a payload (`KeyError('U0123')`, a parser's excerpt
    of the text): a traceback keeps its frames and types and withholds every message."""

    def fails_on_the_payload() -> None:
        raise KeyError(f"{SLACK_USER} {MARKER}")

    try:
        try:
            fails_on_the_payload()
        except KeyError as exc:
            if not chained:
                raise
            raise ValueError(f"while reading {EMAIL}") from exc
    except (KeyError, ValueError):
        logging.getLogger("bot.chat.conversation").exception("conversation failed")

    output = logs.getvalue()
    assert "fails_on_the_payload" in output and "KeyError" in output
    assert ("ValueError" in output) == chained
    for secret in (MARKER, SLACK_USER, EMAIL):
        assert secret not in output
