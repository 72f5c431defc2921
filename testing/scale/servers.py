"""In-process servers for the scale tests, on a background event loop of their own.

- `ScaleSlackApi`: the fake Slack Web API (testing/slack_api.py) with one URL prefix
  per replica (`/r<n>/api/<method>`), so every post is attributed to the replica that made
  it, an optional delay before `chat.postMessage` answers (Slack has already posted the
  message by then: the worst case for a crash), and a count of posts still unanswered.
- `TcpProxy`: a byte pipe between the replicas and PostgreSQL that a test can cut (every
  open connection reset, new ones refused) and restore, without touching the shared server.

Both run on `BackgroundLoop`, a thread with its own asyncio loop, so they keep answering
while the test thread blocks in a query or a subprocess call.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from aiohttp import web

from testing.slack_api import FakeSlackApi

T = TypeVar("T")
CONFIRM_ACTION = "routine.confirm"


class BackgroundLoop:
    """An asyncio loop on a daemon thread; `run(coro)` executes a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()


@dataclass(frozen=True)
class Post:
    """One `chat.postMessage` as the fake received it."""

    replica: int
    channel: str
    occurrence_id: int | None  # the value of its confirm button (None: not a routine notice)


class ScaleSlackApi(FakeSlackApi):
    def __init__(self, post_delay: float = 0.0) -> None:
        super().__init__()
        self.post_delay = post_delay
        self.posts: list[Post] = []
        self.unanswered: Counter[int] = Counter()  # replica -> posts received, not answered
        self.by_replica: Counter[tuple[int, str]] = Counter()  # (replica, method) -> calls
        self.updated: dict[str, float] = {}  # message ts -> when its last chat.update came

    async def start(self) -> ScaleSlackApi:
        await super().start()
        assert self._runner is not None
        # The parent's routes are frozen once set up: serve the replica routes beside them.
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/r{replica:\\d+}/api/{method}", self._replica_api)
        # slack_sdk reads some methods with GET (conversations.members: channel membership)
        app.router.add_get("/r{replica:\\d+}/api/{method}", self._replica_api)
        self._replica_runner = web.AppRunner(app, access_log=None)
        await self._replica_runner.setup()
        site = web.TCPSite(self._replica_runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.replica_base = f"http://127.0.0.1:{port}/"
        return self

    async def close(self) -> None:
        self.release_held()  # before the replica routes wait for their handlers
        await self._replica_runner.cleanup()
        await super().close()

    def api_url_for(self, replica: int) -> str:
        return f"{self.replica_base}r{replica}/api/"

    # --- counting -------------------------------------------------------------------------

    def routine_posts(self) -> list[Post]:
        return [p for p in list(self.posts) if p.occurrence_id is not None]

    def posts_per_occurrence(self) -> Counter[int]:
        return Counter(p.occurrence_id for p in self.routine_posts() if p.occurrence_id)

    def calls_with(self, method: str, needle: str) -> list[dict[str, Any]]:
        """Params of successful `method` calls whose text or blocks contain `needle`."""
        return [
            c.params
            for c in list(self.calls)
            if c.method == method
            and c.status == 200
            and (needle in str(c.params.get("text", "")) or needle in c.blocks_text)
        ]

    # --- the replica routes -----------------------------------------------------------------

    async def _replica_api(self, request: web.Request) -> web.StreamResponse:
        replica = int(request.match_info["replica"])
        method = request.match_info["method"]
        self.by_replica[(replica, method)] += 1
        if method == "chat.update":
            response = await self._api(request)
            params = await _params(request)
            self.updated[str(params.get("ts", ""))] = time.monotonic()
            return response
        if method != "chat.postMessage":
            return await self._api(request)
        params = await _params(request)
        # Recorded on arrival: from here on the message counts as posted, answer or not.
        self.posts.append(Post(replica, str(params.get("channel", "")), _occurrence(params)))
        self.unanswered[replica] += 1
        try:
            if self.post_delay:
                await asyncio.sleep(self.post_delay)
            return await self._api(request)
        finally:
            self.unanswered[replica] -= 1


async def _params(request: web.Request) -> dict[str, Any]:
    raw = await request.read()  # aiohttp keeps the body: the parent handler reads it again
    if request.content_type == "application/json":
        return dict(json.loads(raw or b"{}"))
    return dict(parse_qsl(raw.decode("utf-8")))


def _occurrence(params: dict[str, Any]) -> int | None:
    blocks = params.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            value = str(element.get("value", ""))
            if element.get("action_id") == CONFIRM_ACTION and value.isdigit():
                return int(value)
    return None


class TcpProxy:
    """127.0.0.1:<port> -> upstream, with `cut()` (reset everything, refuse new
    connections, like a database that went away) and `restore()`."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.is_cut = False
        self.refused = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def close(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def cut(self) -> None:
        self.is_cut = True
        for writer in list(self._writers):
            _reset(writer)
        self._writers.clear()

    async def restore(self) -> None:
        self.is_cut = False

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.is_cut:
            self.refused += 1
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            _reset(writer)
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if self.is_cut:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            _reset(writer)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, as a crashed server or a dropped network would."""
    transport = writer.transport
    if not transport.is_closing():
        transport.abort()
