"""A fake Slack Web API on 127.0.0.1 (random port) that records every call.

Point the bot at it with `GDPRBOT_SLACK_API_URL=<fake.api_url>`. Every Web API call
(`POST /api/<method>`), every file upload to the URL it hands out and every post to a
`response_url` under it is recorded as a `Call`, in arrival order. `rate_limit(n)` makes
the next n calls answer 429 with Retry-After; `answer_raw(method, ...)` gives the next call
to `method` any status and body (a 500 page, JSON that does not parse). `hold(method,
where)` leaves the next matching call unanswered (in `held`) until the fake closes: a
caller stuck mid-work.
`socket_url` (set by the Socket Mode fake) is what `apps.connections.open` returns.

Channels: every channel exists with the bot as a member unless a test says otherwise with
`channel_problem(channel, "not_in_channel" | "channel_not_found" | "is_archived")` (then
chat.postMessage fails as Slack does, and conversations.info / conversations.members tell
the same story) or takes it back with `bot_joined(channel)`. Every answer carries the
granted scopes in `X-OAuth-Scopes`, as Slack's do (`scopes`, a test may narrow it).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

BOT_USER_ID = "UBOT00001"
BOT_ID = "BBOT00001"
TEAM_ID = "T00000001"
DEFAULT_SCOPES = frozenset(
    {
        "app_mentions:read", "channels:history", "channels:read", "chat:write", "commands",
        "files:write", "groups:read", "im:history", "im:read", "im:write", "users:read",
        "users:read.email",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    status: int = 200
    token: str = ""  # the bearer token the caller used

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    @property
    def blocks_text(self) -> str:
        """Every text in the blocks, joined: what a test asserts a reply contains."""
        return json.dumps(self.blocks, ensure_ascii=False)

    def action_values(self, action_id: str) -> list[str]:
        return [
            element.get("value", "")
            for block in self.blocks
            if block.get("type") == "actions"
            for element in block.get("elements", [])
            if element.get("action_id") == action_id
        ]


class FakeSlackApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.socket_url: str | None = None
        self.users: dict[str, dict[str, Any]] = {}
        # channel id -> its members besides the bot (conversations.members)
        self.channel_members: dict[str, list[str]] = {}
        self.scopes: set[str] = set(DEFAULT_SCOPES)
        self.problems: dict[str, str] = {}  # channel -> Slack error code
        self.token_ok = True
        self._rate_limited = 0
        self._retry_after = 1
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self._holds: list[tuple[str, Callable[[dict[str, Any]], bool]]] = []
        self._held_until: list[asyncio.Event] = []
        self.held: list[Call] = []  # calls received and left unanswered (`hold`)
        self._raw: dict[str, tuple[int, str, str]] = {}  # method -> the next answer (`answer_raw`)

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> FakeSlackApi:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/hooks/{hook}", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/"
        return self

    async def close(self) -> None:
        self.release_held()
        if self._runner is not None:
            await self._runner.cleanup()

    def release_held(self) -> None:
        """Answer the held calls at last (at close: nobody waits for them any more)."""
        for event in self._held_until:
            event.set()

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    def response_url(self, name: str = "cmd") -> str:
        """A slash command / interactivity `response_url` that lands here."""
        return f"{self.base_url}hooks/{name}"

    # --- test controls ----------------------------------------------------------------

    def rate_limit(self, calls: int, retry_after: int = 1) -> None:
        """The next `calls` Web API calls answer 429 with `Retry-After: retry_after`."""
        self._rate_limited = calls
        self._retry_after = retry_after

    def answer_raw(self, method: str, status: int, body: str, content_type: str) -> None:
        """The next call to `method` gets exactly this answer: a 500 page, a body that is
        not JSON, an `ok:false` with any error code (Slack's own failures, as it sends them)."""
        self._raw[method] = (status, body, content_type)

    def hold(self, method: str, where: Callable[[dict[str, Any]], bool] = lambda _: True) -> None:
        """The next call to `method` whose params satisfy `where` is received (recorded in
        `held`) but not answered until the fake closes, as if the network hung."""
        self._holds.append((method, where))

    def channel_problem(self, channel: str, error: str) -> None:
        """Posts to `channel` fail with `error` (not_in_channel, channel_not_found, ...)."""
        self.problems[channel] = error

    def bot_joined(self, channel: str) -> None:
        self.problems.pop(channel, None)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200]

    async def wait_for(self, method: str, count: int = 1, *, timeout: float = 10.0) -> list[Call]:
        """Wait until `count` successful calls to `method` arrived; return them."""
        return await self.wait_until(lambda: len(self.calls_to(method)) >= count, method, timeout)

    async def wait_until(
        self, predicate: Callable[[], bool], method: str, timeout: float = 10.0
    ) -> list[Call]:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        return self.calls_to(method)

    # --- handlers ---------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        token = token or str(params.get("token", ""))
        for index, (held, where) in enumerate(self._holds):
            if held == method and where(params):
                del self._holds[index]
                until = asyncio.Event()
                self._held_until.append(until)
                async with self._changed:
                    self.held.append(Call(method, params, status=0, token=token))
                    self._changed.notify_all()
                await until.wait()
                break
        if self._rate_limited > 0:
            self._rate_limited -= 1
            await self._record(Call(method, params, status=429, token=token))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self._retry_after)},
            )
        if method in self._raw:
            status, raw, content_type = self._raw.pop(method)
            await self._record(Call(method, params, status=status, token=token))
            return web.Response(status=status, text=raw, content_type=content_type)
        body = self._answer(method, params)
        await self._record(Call(method, params, token=token))
        headers = {"X-OAuth-Scopes": ",".join(sorted(self.scopes))}
        return web.json_response(body, headers=headers)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if method == "auth.test" and not self.token_ok:
            return {"ok": False, "error": "invalid_auth"}
        if method.startswith("conversations.") and method != "conversations.open":
            return self._conversation(method, channel)
        if method == "chat.postMessage" and channel in self.problems:
            return {"ok": False, "error": self.problems[channel]}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": "Fake",
                "user": "gdpr-bot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if method == "chat.postMessage":
            ts = f"{1700000000 + next(self._ts)}.000100"
            return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": params.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1700000000 + next(self._ts)}.000200"}
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V1", **_json(params.get("view"))}}
        if method == "views.open":
            view = _json(params.get("view"))
            return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", **view}}
        if method == "conversations.open":
            users = str(params.get("users", ""))
            return {"ok": True, "channel": {"id": "D" + users.lstrip("U")}}
        if method == "users.info":
            user = str(params.get("user", ""))
            return {"ok": True, "user": self.users.get(user, {"id": user, "name": user})}
        if method == "users.lookupByEmail":
            email = str(params.get("email", ""))
            for known in self.users.values():
                if known.get("profile", {}).get("email") == email:
                    return {"ok": True, "user": known}
            return {"ok": False, "error": "users_not_found"}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._files):08d}"
            return {
                "ok": True,
                "upload_url": f"{self.base_url}upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            files = _json(params.get("files")) or []
            return {"ok": True, "files": files}
        if method == "apps.connections.open":
            if self.socket_url is None:
                return {"ok": False, "error": "no_socket_server"}
            return {"ok": True, "url": self.socket_url}
        return {"ok": False, "error": "unknown_method"}

    def _conversation(self, method: str, channel: str) -> dict[str, Any]:
        problem = self.problems.get(channel)
        if problem == "channel_not_found":
            return {"ok": False, "error": "channel_not_found"}
        member = problem != "not_in_channel"
        if method == "conversations.info":
            info = {"id": channel, "name": channel.lower(), "is_member": member,
                    "is_archived": problem == "is_archived"}  # fmt: skip
            return {"ok": True, "channel": info}
        if method == "conversations.members":  # the bot, and who a test put there
            people = list(self.channel_members.get(channel, ()))
            return {"ok": True, "members": ([BOT_USER_ID] if member else []) + people}
        return {"ok": False, "error": "unknown_method"}

    async def _upload(self, request: web.Request) -> web.Response:
        content = await request.read()
        await self._record(
            Call("upload", {"file_id": request.match_info["file_id"], "content": content})
        )
        return web.Response(text=f"OK - {len(content)}")

    async def _hook(self, request: web.Request) -> web.Response:
        params = await _params(request)
        params["hook"] = request.match_info["hook"]
        await self._record(Call("response_url", params))
        return web.Response(text="ok")


async def _params(request: web.Request) -> dict[str, Any]:
    """Body parameters, plus the query string (slack_sdk POSTs some methods, e.g. the
    files upload v2 calls, with their arguments in the query)."""
    query = dict(request.query)
    if request.method == "GET":
        return query
    raw = await request.read()
    if request.content_type == "application/json":
        return {**query, **json.loads(raw or b"{}")}
    if request.content_type == "application/x-www-form-urlencoded":
        return {**query, **dict(parse_qsl(raw.decode("utf-8")))}
    if request.content_type.startswith("multipart/"):
        return {**query, "multipart": True}
    return query


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return {}
    return value if value is not None else {}
