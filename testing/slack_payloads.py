"""Slack payloads as Slack sends them, and request signing, for the bot's tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from testing.slack_api import BOT_USER_ID, TEAM_ID

USER = "U0000USER"
DM_CHANNEL = "D0000USER"
CHANNEL = "C0000CHAN"


def new_event_id() -> str:
    return "Ev" + uuid.uuid4().hex[:12].upper()


def event_callback(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0000APP",
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    }


def dm(text: str, *, user: str = USER, event_id: str | None = None, **extra: Any) -> dict[str, Any]:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": DM_CHANNEL,
        "user": user,
        "text": text,
        "ts": f"{time.time():.6f}",
        "team": TEAM_ID,
        **extra,
    }
    return event_callback(event, event_id)


def mention(text: str, *, user: str = USER, ts: str = "1700000001.000100") -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "channel": CHANNEL,
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "team": TEAM_ID,
    }
    return event_callback(event)


def home_opened(user: str = USER) -> dict[str, Any]:
    return event_callback(
        {"type": "app_home_opened", "user": user, "channel": DM_CHANNEL, "tab": "home"}
    )


def slash_command(text: str, response_url: str, *, user: str = USER) -> str:
    return urlencode(
        {
            "token": "unused",
            "team_id": TEAM_ID,
            "channel_id": CHANNEL,
            "channel_name": "general",
            "user_id": user,
            "user_name": "someone",
            "command": "/gdpr",
            "text": text,
            "response_url": response_url,
            "trigger_id": uuid.uuid4().hex,
            "api_app_id": "A0000APP",
        }
    )


def block_action(
    action_id: str,
    value: str,
    response_url: str,
    *,
    user: str = USER,
    channel: str = DM_CHANNEL,
    ephemeral: bool = False,
) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "example"},
        "enterprise": None,  # as Slack sends it outside Enterprise Grid
        "is_enterprise_install": False,
        "user": {"id": user, "username": "someone", "team_id": TEAM_ID},
        "api_app_id": "A0000APP",
        "container": {
            "type": "message",
            "message_ts": "1700000002.000100",
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "channel": {"id": channel},
        "message": {"ts": "1700000002.000100", "text": "answer"},
        "response_url": response_url,
        "trigger_id": uuid.uuid4().hex,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


class SlackSigner:
    """Signs a body the way Slack does (v0 HMAC-SHA256 over `v0:<ts>:<body>`)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._verifier = SignatureVerifier(secret)

    def headers(
        self, body: str | bytes, *, timestamp: int | None = None, content_type: str = ""
    ) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        if isinstance(body, bytes):  # possibly not UTF-8: sign the raw bytes, same scheme
            base = b"v0:" + ts.encode() + b":" + body
            digest = hmac.new(self._secret.encode(), base, hashlib.sha256).hexdigest()
            signature, text = f"v0={digest}", body.decode("utf-8", "replace")
        else:
            signature, text = str(self._verifier.generate_signature(timestamp=ts, body=body)), body
        return {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            "Content-Type": content_type or _content_type(text),
        }


def _content_type(body: str) -> str:
    return (
        "application/json" if body.lstrip().startswith("{") else "application/x-www-form-urlencoded"
    )
