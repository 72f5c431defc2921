"""The Slack Web API client the bot builds."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack import client as client_module
from bot.platforms.slack.client import SlackConfig, make_web_client
from testing.slack_api import FakeSlackApi


def test_the_web_client_never_builds_slack_sdks_debug_lines() -> None:
    # slack_sdk formats each request's parameters and each response's body whenever its
    # logger's *own* level is at or below DEBUG (unset counts), whatever the handlers.
    client = make_web_client(SlackConfig(bot_token="xoxb-test"))

    assert client.logger.level >= logging.WARNING


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def calls_made(client: AsyncWebClient) -> None:
    """The calls a confirmation click makes (form, query and JSON bodies), and a post."""
    await client.users_info(user="UANNA")
    await client.conversations_members(channel="C0GDPR", limit=1000, cursor=None)
    await client.chat_update(channel="C0GDPR", ts="1.2", text="✅", blocks=[{"type": "divider"}])
    await client.chat_postMessage(channel="C0GDPR", text="hej")


async def test_the_web_client_sends_what_slack_sdk_sends(
    fake_slack: FakeSlackApi, http: aiohttp.ClientSession
) -> None:
    config = SlackConfig(bot_token="xoxb-test", api_url=fake_slack.api_url)
    await calls_made(AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url, session=http))
    theirs = [(c.method, c.params, c.token) for c in fake_slack.calls]
    fake_slack.calls.clear()

    await calls_made(make_web_client(config, http))

    assert [(c.method, c.params, c.token) for c in fake_slack.calls] == theirs


async def test_the_web_client_works_out_each_methods_url_once(
    fake_slack: FakeSlackApi, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    joined: list[str] = []
    real = client_module._get_url
    monkeypatch.setattr(client_module, "_URLS", {})

    def join(base: str, method: str) -> str:
        joined.append(method)
        return real(base, method)

    monkeypatch.setattr(client_module, "_get_url", join)
    client = make_web_client(SlackConfig(bot_token="xoxb-test", api_url=fake_slack.api_url), http)

    for _ in range(3):
        await client.users_info(user="UANNA")
        await client.chat_postMessage(channel="C0GDPR", text="hej")

    assert joined == ["users.info", "chat.postMessage"]
    assert len(fake_slack.calls) == 6


async def test_the_web_client_still_retries_after_a_rate_limit(
    fake_slack: FakeSlackApi, http: aiohttp.ClientSession
) -> None:
    fake_slack.rate_limit(1, retry_after=0)
    client = make_web_client(SlackConfig(bot_token="xoxb-test", api_url=fake_slack.api_url), http)

    found = await client.users_info(user="UANNA")

    assert found["ok"] is True
    assert [c.status for c in fake_slack.calls] == [429, 200]


async def test_the_web_client_still_raises_slacks_errors(
    fake_slack: FakeSlackApi, http: aiohttp.ClientSession
) -> None:
    fake_slack.answer_raw(
        "chat.postMessage", 200, '{"ok": false, "error": "channel_not_found"}', "application/json"
    )
    client = make_web_client(SlackConfig(bot_token="xoxb-test", api_url=fake_slack.api_url), http)

    with pytest.raises(SlackApiError, match="channel_not_found"):
        await client.chat_postMessage(channel="C0NONE", text="hej")
