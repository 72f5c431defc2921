"""Signed but malformed Slack payloads are client errors (4xx), never server errors.

A table of the shapes seen breaking the bot, then seeded random mutations of real
payloads; each goes to the running bot over loopback HTTP, and afterwards the bot still
answers a well-formed message.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest

from testing.mutations import mutants
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import block_action, dm, event_callback
from tests.bot.conftest import RunningBot


def _form(payload: Any) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _click() -> dict[str, Any]:
    return json.loads(parse_qs(block_action("routine.ack", "1", "http://x/"))["payload"][0])


def _submission() -> dict[str, Any]:
    meta = {"a": "routine.note", "v": "1", "i": "text", "c": "D1"}
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "view": {
            "id": "V1",
            "callback_id": "gdprbot.prompt",
            "private_metadata": json.dumps(meta),
            "state": {"values": {"words": {"text": {"value": "hello"}}}},
        },
    }


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


CASES: dict[str, str | dict[str, Any]] = {
    "event as a string": event_callback("message"),  # type: ignore[arg-type]
    "event as a list": event_callback([{"type": "message"}]),  # type: ignore[arg-type]
    "event as an int": event_callback(7),  # type: ignore[arg-type]
    "event as null": event_callback(None),  # type: ignore[arg-type]
    "event without a type": event_callback({"user": "U1", "text": "hej"}),
    "event type not a string": event_callback({"type": ["message"], "user": "U1"}),
    "callback without event": _with(event_callback({}), event=None),
    "type as a list": {"type": ["event_callback"], "event": {"type": "message"}},
    "challenge not a string": {"type": "url_verification", "challenge": {"a": 1}},
    "actions a string": _form(_with(_click(), actions="routine.ack")),
    "actions a dict": _form(_with(_click(), actions={"action_id": "x"})),
    "actions of junk": _form(_with(_click(), actions=[1, "x", None])),
    "actions empty": _form(_with(_click(), actions=[])),
    "action id an int": _form(_with(_click(), actions=[{"action_id": 5, "value": "1"}])),
    "user a string": _form(_with(_click(), user="U1")),
    "container a list": _form(_with(_click(), container=["x"])),
    "channel a string": _form(_with(_click(), channel="D1")),
    "message a string": _form(_with(_click(), message="hi")),
    "view a list on a click": _form(_with(_click(), view=["home"])),
    "view a list": _form(_with(_submission(), view=["x"])),
    "view state a string": _form(
        _with(_submission(), view={**_submission()["view"], "state": "x"})
    ),
    "payload a list": _form([1, 2]),
    "payload type missing": _form({"actions": []}),
    "payload not json": urlencode({"payload": "{nope"}),
}


@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
async def test_malformed_payload_is_a_client_error(
    running_bot: RunningBot, body: str | dict[str, Any]
) -> None:
    response = await running_bot.post_slack(body)

    assert 400 <= response.status < 500


def _mutants(count: int, seed: int) -> list[str | dict[str, Any]]:
    """Mutated events go as JSON, mutated clicks and submissions as the payload field."""
    bases = [dm("hej"), _click(), _submission()]
    return [
        mutant if n % len(bases) == 0 and isinstance(mutant, dict) else _form(mutant)
        for n, mutant in enumerate(mutants(bases, count, seed=seed))
    ]


async def test_random_mutations_never_get_a_server_error(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    statuses: dict[int, int] = {}
    for body in _mutants(300, seed=14):
        response = await running_bot.post_slack(body)
        statuses[response.status] = statuses.get(response.status, 0) + 1

    assert not [status for status in statuses if status >= 500], statuses
    await running_bot.post_slack(dm("how long do we keep call recordings?"))

    def answered() -> bool:
        posts = fake_slack.calls_to("chat.postMessage")
        return any("call recordings" in post.blocks_text for post in posts)

    await fake_slack.wait_until(answered, "chat.postMessage", timeout=60)
