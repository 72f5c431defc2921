"""Slack failing the answer to a question: the event is still acknowledged (200) and the
failure is one log line (the error's class and Slack's code), no traceback, no text."""

from __future__ import annotations

import asyncio
import logging

import pytest

from testing.slack_api import FakeSlackApi
from testing.slack_payloads import dm
from tests.bot.conftest import RunningBot

QUESTION = "hur länge sparar vi samtalsinspelningar?"


@pytest.mark.parametrize(
    ("body", "status"),
    [('{"ok": tru', ""), ('{"ok": false, "error": "channel_not_found"}', "channel_not_found")],
    ids=["not json", "ok false"],
)
async def test_a_failed_answer_is_one_log_line_without_a_traceback(
    running_bot: RunningBot, fake_slack: FakeSlackApi, caplog: pytest.LogCaptureFixture,
    body: str, status: str,
) -> None:  # fmt: skip
    caplog.set_level(logging.WARNING, logger="bot.platforms.slack.replies")
    fake_slack.answer_raw("chat.postMessage", 200, body, "application/json")

    response = await running_bot.post_slack(dm(QUESTION))
    assert response.status == 200
    async with asyncio.timeout(10):  # the line follows Slack's answer: wait for it
        while not any(r.getMessage() == "slack post failed" for r in caplog.records):
            await asyncio.sleep(0.01)

    [line] = [r for r in caplog.records if r.getMessage() == "slack post failed"]
    assert line.exc_info is None
    assert (getattr(line, "error", None), getattr(line, "status", None)) == (
        "SlackApiError",
        status or 200,
    )
    assert "samtalsinspelningar" not in str(vars(line))
