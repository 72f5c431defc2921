"""Slack in Socket Mode: the bot dials the fake's websocket, acks envelopes and answers."""

from __future__ import annotations

from urllib.parse import parse_qsl

from testing.slack_api import FakeSlackApi
from testing.slack_payloads import DM_CHANNEL, dm, slash_command
from testing.socket_mode import FakeSocketMode
from tests.bot.conftest import RunningBot
from tests.bot.platforms.inbox_helpers import hold_work, stored_rows


async def test_socket_mode_acknowledges_the_envelope(
    socket_bot: RunningBot, socket_server: FakeSocketMode
) -> None:
    envelope_id = await socket_server.send_events_api(dm("help"))

    ack = await socket_server.wait_for_ack(envelope_id)

    assert ack["envelope_id"] == envelope_id


async def test_socket_mode_event_is_answered(
    socket_bot: RunningBot, socket_server: FakeSocketMode, fake_slack: FakeSlackApi
) -> None:
    await socket_server.send_events_api(dm("hur länge sparar vi samtalsinspelningar?"))

    [post] = await fake_slack.wait_for("chat.postMessage")
    assert post.params["channel"] == DM_CHANNEL
    assert "Hur länge sparar vi samtalsinspelningar?" in post.blocks_text


async def test_socket_mode_opens_the_connection_with_the_app_token(
    socket_bot: RunningBot, socket_server: FakeSocketMode, fake_slack: FakeSlackApi
) -> None:
    await socket_server.wait_connected()

    opened = fake_slack.calls_to("apps.connections.open")
    assert opened and socket_server.connections >= 1
    assert {call.token for call in opened} == {"xapp-test"}


async def test_redelivered_envelope_gets_one_reply(
    socket_bot: RunningBot, socket_server: FakeSocketMode, fake_slack: FakeSlackApi
) -> None:
    event = dm("help")
    first = await socket_server.send_events_api(event)
    second = await socket_server.send_events_api(event, retry_attempt=1)

    await socket_server.wait_for_ack(first)
    await socket_server.wait_for_ack(second)
    await fake_slack.wait_for("chat.postMessage")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_a_socket_mode_message_is_stored_before_its_envelope_is_acknowledged(
    socket_bot: RunningBot, socket_server: FakeSocketMode, fake_slack: FakeSlackApi
) -> None:
    slack = socket_bot.services.slack
    assert slack is not None
    release = hold_work(slack._inbox)

    envelope_id = await socket_server.send_events_api(dm("help"))
    await socket_server.wait_for_ack(envelope_id)

    assert stored_rows(socket_bot.services.sessions) == [("slack", "message")]
    release.set()
    await fake_slack.wait_for("chat.postMessage")
    await slack.settled()
    assert stored_rows(socket_bot.services.sessions) == []


async def test_a_socket_mode_slash_command_is_stored_before_its_envelope_is_acknowledged(
    socket_bot: RunningBot, socket_server: FakeSocketMode, fake_slack: FakeSlackApi
) -> None:
    slack = socket_bot.services.slack
    assert slack is not None
    release = hold_work(slack._inbox)
    command = dict(parse_qsl(slash_command("help", fake_slack.response_url())))

    envelope_id = await socket_server.send("slash_commands", command)
    await socket_server.wait_for_ack(envelope_id)

    assert stored_rows(socket_bot.services.sessions) == [("slack", "command")]
    release.set()
    await fake_slack.wait_for("response_url")
