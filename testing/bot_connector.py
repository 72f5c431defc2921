"""A local fake of the Bot Framework Connector REST API (what Teams' serviceUrl points at).

Tests start it on 127.0.0.1 (port 0), put its `url` in the `serviceUrl` of the
Activities they POST to the bot, and read back every call the bot made:
send to a conversation, reply to an activity, update an activity, create a 1:1
conversation. Member lookups answer from `members` (404 for anyone else).
Nothing here reaches a real Microsoft host.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

CallKind = Literal["send", "reply", "update", "create"]


@dataclass(frozen=True)
class ConnectorCall:
    kind: CallKind
    conversation_id: str
    activity_id: str | None  # the activity replied to or updated
    body: dict[str, Any]
    authorization: str | None = None
    peer: str = ""  # client address:port, to tell whether connections are reused

    @property
    def activity(self) -> dict[str, Any]:
        """The activity the bot sent (for `create`, the one inside the parameters, if any)."""
        if self.kind == "create":
            inner = self.body.get("activity")
            return inner if isinstance(inner, dict) else {}
        return self.body

    @property
    def card(self) -> dict[str, Any] | None:
        """The first Adaptive Card attached to the activity, if any."""
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                content = attachment.get("content")
                return content if isinstance(content, dict) else None
        return None


@dataclass
class FakeBotConnector:
    url: str = ""
    calls: list[ConnectorCall] = field(default_factory=list)
    # Teams members by user id, as GET .../members/{id} returns them (e.g. with "email").
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    member_lookups: int = 0
    # When set, calls answer this status (e.g. 403: bot removed): every call, or `fail_only`.
    fail_with: int | None = None
    fail_only: frozenset[CallKind] = frozenset()
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(self, count: int = 1, *, timeout: float = 30.0) -> list[ConnectorCall]:
        """Wait (on arrivals, up to `timeout` seconds) until `count` calls were made."""
        async with asyncio.timeout(timeout):
            while len(self.calls) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return list(self.calls)

    def messages(self) -> list[ConnectorCall]:
        """Every activity the bot sent or updated, in order (not conversation creations)."""
        return [call for call in self.calls if call.kind != "create"]

    def of_kind(self, kind: CallKind) -> list[ConnectorCall]:
        return [call for call in self.calls if call.kind == kind]

    def clear(self) -> None:
        self.calls.clear()

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    # --- handlers ------------------------------------------------------------------------

    async def _record(
        self, request: web.Request, kind: CallKind, activity_id: str | None
    ) -> dict[str, Any]:
        body = await request.json()
        self.calls.append(
            ConnectorCall(
                kind=kind,
                conversation_id=request.match_info.get("conversation_id", ""),
                activity_id=activity_id,
                body=body,
                authorization=request.headers.get("Authorization"),
                peer=str(request.transport.get_extra_info("peername") if request.transport else ""),
            )
        )
        self._arrived.set()
        return dict(body)

    def _refusal(self, kind: CallKind) -> web.Response | None:
        if self.fail_with is None or (self.fail_only and kind not in self.fail_only):
            return None
        error = {"error": {"code": "BotNotInConversationRoster", "message": "refused"}}
        return web.json_response(error, status=self.fail_with)

    async def send(self, request: web.Request) -> web.Response:
        await self._record(request, "send", None)
        if refusal := self._refusal("send"):
            return refusal
        return web.json_response({"id": self._next_id("sent")}, status=201)

    async def reply(self, request: web.Request) -> web.Response:
        await self._record(request, "reply", request.match_info["activity_id"])
        if refusal := self._refusal("reply"):
            return refusal
        return web.json_response({"id": self._next_id("reply")}, status=201)

    async def update(self, request: web.Request) -> web.Response:
        activity_id = request.match_info["activity_id"]
        await self._record(request, "update", activity_id)
        if refusal := self._refusal("update"):
            return refusal
        return web.json_response({"id": activity_id})

    async def create(self, request: web.Request) -> web.Response:
        body = await self._record(request, "create", None)
        if refusal := self._refusal("create"):
            return refusal
        response: dict[str, Any] = {"id": self._next_id("a:personal")}
        if isinstance(body.get("activity"), dict):
            response["activityId"] = self._next_id("sent")
        return web.json_response(response, status=201)

    async def member(self, request: web.Request) -> web.Response:
        self.member_lookups += 1
        found = self.members.get(request.match_info["user_id"])
        if found is None:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation"}}, status=404
            )
        return web.json_response(found)

    def app(self) -> web.Application:
        app = web.Application()
        # Teams' service URLs carry a region path (smba.trafficmanager.net/emea/, /amer/,
        # /teams/): the same API is served under one such prefix too.
        for base in ("/v3/conversations", "/{region}/v3/conversations"):
            app.router.add_post(base, self.create)
            app.router.add_post(base + "/{conversation_id}/activities", self.send)
            app.router.add_post(base + "/{conversation_id}/activities/{activity_id}", self.reply)
            app.router.add_put(base + "/{conversation_id}/activities/{activity_id}", self.update)
            app.router.add_get(base + "/{conversation_id}/members/{user_id}", self.member)
        return app


@asynccontextmanager
async def running_connector() -> AsyncIterator[FakeBotConnector]:
    """Serve a fresh fake on a free loopback port for the duration of the block."""
    fake = FakeBotConnector()
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}/"
    try:
        yield fake
    finally:
        await runner.cleanup()
