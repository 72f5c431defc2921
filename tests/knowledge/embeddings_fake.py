"""A fake OpenAI-compatible `/v1/embeddings` server on 127.0.0.1 (random port), run in a
thread of its own because `HttpEncoder` is a blocking client. Records every request.

`fail_next(n, status)` answers the next n requests with that status; `garbage_next(n)`
answers them with a body that is not an embeddings response.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from typing import Any

from aiohttp import web

DIM = 8


def vector_for(text: str) -> list[float]:
    """A fixed vector per input text, so a test can tell which text produced which row."""
    digest = hashlib.sha256(text.encode()).digest()
    return [b / 255 for b in digest[:DIM]]


class FakeEmbeddings:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._fail: list[int] = []
        self._garbage = 0
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def fail_next(self, n: int, status: int = 503) -> None:
        self._fail.extend([status] * n)

    def garbage_next(self, n: int) -> None:
        self._garbage += n

    async def _embeddings(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self._fail:
            return web.json_response({"error": {"message": "down"}}, status=self._fail.pop(0))
        if self._garbage:
            self._garbage -= 1
            return web.json_response({"object": "list", "nothing": []})
        texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
        data = [
            {"object": "embedding", "index": i, "embedding": vector_for(t)}
            for i, t in enumerate(texts)
        ]
        data.reverse()  # servers may answer out of order; `index` says which is which
        return web.Response(
            text=json.dumps({"object": "list", "data": data, "model": body.get("model")}),
            content_type="application/json",
        )

    def start(self) -> FakeEmbeddings:
        ready = threading.Event()

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/v1/embeddings", self._embeddings)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}"
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait()
        return self

    def close(self) -> None:
        async def stop() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
