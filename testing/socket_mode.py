"""A fake Slack Socket Mode server: a local websocket that sends envelopes and records acks.

`FakeSocketMode(api).start()` registers its ws:// URL with the fake Web API, so the
bot's `apps.connections.open` call returns it. `send_events_api(payload)` pushes an
`events_api` envelope to the connected bot and returns the envelope id (`send(kind,
payload)` any other kind: `interactive`, `slash_commands`); `wait_for_ack`
waits for the bot to acknowledge that id.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from testing.slack_api import FakeSlackApi


class FakeSocketMode:
    def __init__(self, api: FakeSlackApi) -> None:
        self._api = api
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self._socket: web.WebSocketResponse | None = None
        self._connected = asyncio.Event()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    async def start(self) -> FakeSocketMode:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._api.socket_url = f"ws://127.0.0.1:{port}/link"
        return self

    async def close(self) -> None:
        if self._socket is not None and not self._socket.closed:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def send_events_api(self, payload: dict[str, Any], retry_attempt: int = 0) -> str:
        return await self.send("events_api", payload, retry_attempt)

    async def send(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0) -> str:
        """Push an envelope of `kind` (events_api, interactive, slash_commands)."""
        await self.wait_connected()
        assert self._socket is not None
        envelope_id = str(uuid.uuid4())
        await self._socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry_attempt,
                "retry_reason": "",
                "payload": payload,
            }
        )
        return envelope_id

    async def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        def acked() -> bool:
            return any(a.get("envelope_id") == envelope_id for a in self.acks)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(acked), timeout)
        return next(a for a in self.acks if a.get("envelope_id") == envelope_id)

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        self.connections += 1
        await socket.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}
        )
        self._connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                async with self._changed:
                    self.acks.append(json.loads(message.data))
                    self._changed.notify_all()
        return socket
