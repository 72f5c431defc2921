"""Slack failing a routine notice in every way it can, against the fake Web API: each is
one `DeliveryError` (retry later, give up, or a channel problem to report), one log line
without ids or text, never another exception escaping the notifier."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest

from bot.platforms.slack.client import SlackConfig, make_web_client
from bot.platforms.slack.notifier import SlackNotifier
from routines.ports import DeliveryError, Notice, Recipient
from testing.slack_api import FakeSlackApi

NOTICE = Notice(
    kind="posted", routine_id="retention-review", title="Kvartalsvis gallring",
    text="Gallra ärenden äldre än 90 dagar.", occurrence_id=31, due_date=date(2026, 12, 1),
)  # fmt: skip
CHANNEL = Recipient(platform="slack", kind="channel", address="C0000TEAM")


def notifier(api: FakeSlackApi) -> SlackNotifier:
    return SlackNotifier(make_web_client(SlackConfig(bot_token="xoxb-test", api_url=api.api_url)))


async def failed_send(
    api: FakeSlackApi, caplog: pytest.LogCaptureFixture, status: int, body: str,
    content_type: str = "application/json",
) -> DeliveryError:  # fmt: skip
    """Send once, Slack answering the post so."""
    api.answer_raw("chat.postMessage", status, body, content_type)
    caplog.set_level(logging.WARNING)
    with pytest.raises(DeliveryError) as failure:
        await notifier(api).send(CHANNEL, NOTICE)
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert "C0000TEAM" not in lines[0].getMessage() + str(lines[0].__dict__)
    return failure.value


def slack_error(code: str) -> str:
    return json.dumps({"ok": False, "error": code})


async def test_a_body_that_is_not_json_is_retried_later(
    fake_slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    error = await failed_send(fake_slack, caplog, 200, '{"ok": tru')
    assert error.retryable and not error.problem


async def test_an_html_page_instead_of_an_answer_is_retried_later(
    fake_slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    error = await failed_send(fake_slack, caplog, 200, "<html>proxy</html>", "text/html")
    assert error.retryable and not error.problem


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "is_archived"])
async def test_a_channel_the_bot_cannot_post_in_is_a_problem_not_a_retry(
    fake_slack: FakeSlackApi, caplog: pytest.LogCaptureFixture, code: str
) -> None:
    error = await failed_send(fake_slack, caplog, 200, slack_error(code))
    assert (error.retryable, error.problem) == (False, code)


@pytest.mark.parametrize("code", ["invalid_auth", "account_inactive"])
async def test_a_token_slack_refuses_is_given_up(
    fake_slack: FakeSlackApi, caplog: pytest.LogCaptureFixture, code: str
) -> None:
    error = await failed_send(fake_slack, caplog, 200, slack_error(code))
    assert not error.retryable and not error.problem


@pytest.mark.parametrize("code", ["ratelimited", "internal_error", "service_unavailable"])
async def test_a_transient_slack_error_is_retried_later(
    fake_slack: FakeSlackApi, caplog: pytest.LogCaptureFixture, code: str
) -> None:
    error = await failed_send(fake_slack, caplog, 200, slack_error(code))
    assert error.retryable


async def test_one_500_is_retried_by_the_client_and_the_post_goes_through(
    fake_slack: FakeSlackApi,
) -> None:
    fake_slack.answer_raw("chat.postMessage", 500, "<html>oops</html>", "text/html")
    delivered = await notifier(fake_slack).send(CHANNEL, NOTICE)
    assert delivered.message_id
    assert [c.status for c in fake_slack.calls if c.method == "chat.postMessage"] == [500, 200]
