"""Socket Mode through the durable inbox: store the envelope, then acknowledge it.

bolt's handler acknowledges an envelope and then works on it, so a process that dies in
between loses an event Slack will never send again. Here an envelope the inbox keeps (a
message, a click, a modal submit with words, a `/gdpr` command) is first turned into the
body it would have had over HTTP and handed to `store`, which commits its claim and
payload (the same road as `POST /slack/events`); only then is the envelope acknowledged.
Everything else (App Home, channel joins, a modal submitted blank) goes to bolt as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

Store = Callable[[str], Awaitable[bool]]  # HTTP-form body -> handled (stored or a repeat)


def http_body(request: SocketModeRequest) -> str | None:
    """The body the same event would have had over HTTP (None: a type the inbox never keeps)."""
    payload: Any = request.payload
    if request.type == "events_api":
        return json.dumps(payload)
    if request.type == "interactive":
        return urlencode({"payload": json.dumps(payload)})
    if request.type == "slash_commands" and isinstance(payload, dict):
        return urlencode({key: str(value) for key, value in payload.items()})
    return None


class InboxSocketModeHandler(AsyncSocketModeHandler):
    """bolt's Socket Mode handler, with `store` asked first; the ack follows the store."""

    def __init__(
        self, app: AsyncApp, app_token: str, *, web_client: AsyncWebClient, store: Store
    ) -> None:
        super().__init__(app, app_token, web_client=web_client)
        self._store = store

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        body = http_body(req)
        if body is not None and await self._store(body):
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await super().handle(client, req)
