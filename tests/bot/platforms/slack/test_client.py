"""The Slack Web API client the bot builds."""

from __future__ import annotations

import logging

from bot.platforms.slack.client import SlackConfig, make_web_client


def test_the_web_client_never_builds_slack_sdks_debug_lines() -> None:
    # slack_sdk formats each request's parameters and each response's body whenever its
    # logger's *own* level is at or below DEBUG (unset counts), whatever the handlers.
    client = make_web_client(SlackConfig(bot_token="xoxb-test"))

    assert client.logger.level >= logging.WARNING
