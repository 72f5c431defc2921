"""The Teams glue: POST /api/messages -> Bot Framework auth -> the pipeline -> cards.

`TeamsEndpoint.handle` is the aiohttp handler `bot/web/server.py` mounts at `/api/messages`.
It checks the request itself (JSON object, an activity type, a service URL), lets
botbuilder authenticate it (401 on any failure), then runs one turn of `TeamsBot` on
a `CloudAdapter`. The bot translates the Activity (bot/platforms/teams/activities.py),
runs it through the shared pipeline (a repeated activity id is answered once, and the
conversation references it gives are refreshed in the same transaction), and sends
each reply as a card (or updates a card in place).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ChannelAccount

from bot.chat import metrics
from bot.chat.limits import MAX_TEAMS_ACTIVITY_BYTES
from bot.chat.messages import Incoming, Reply
from bot.chat.pseudonyms import log_pseudonym
from bot.platforms.front_end import FrontEndContext
from bot.platforms.teams.activities import (
    PLATFORM,
    bot_was_added,
    bot_was_removed,
    conversations_of,
    incoming_from_activity,
    is_personal,
    references_from_activity,
    tenant_id_of,
)
from bot.platforms.teams.auth import authenticate
from bot.platforms.teams.cards import activity_from_reply, private_reply_failed
from bot.platforms.teams.members import MemberEmails

log = logging.getLogger(__name__)

RAW_ACTIVITY_KEY = "gdprbot.raw_activity"
STORED_KEY = "gdprbot.stored"  # True: the inbox claimed the activity when storing it

# The durable inbox's `accept(kind, key, body)`: stored with its claim (False: a repeat).
Accept = Callable[[str, str, str], Awaitable[bool]]


class PrivateSender(Protocol):
    async def send_privately(self, person: str, activity: Mapping[str, Any]) -> bool: ...


def dedupe_key(conversation_id: str, activity_id: str) -> str:
    """Activity ids are unique per conversation only; conversation ids can be long."""
    digest = hashlib.sha256(conversation_id.encode()).hexdigest()[:24]
    return f"{activity_id[:150]}@{digest}"


class TeamsBot(ActivityHandler):
    """One turn: translate, answer once, remember where to post later, send the replies."""

    def __init__(
        self,
        context: FrontEndContext,
        *,
        private: PrivateSender | None = None,
        authenticated: bool = True,
    ) -> None:
        """`authenticated` False: activities are not signed (the insecure development mode),
        so every `Incoming` says so and the authorisation policy serves no privileged action."""
        self._authenticated = authenticated
        self._pipeline = context.pipeline
        self._references = context.references
        self._people = context.people
        self._channels = context.channels
        self._emails = MemberEmails()
        self._private = private

    @staticmethod
    def _raw(turn_context: TurnContext) -> Mapping[str, Any]:
        raw = turn_context.turn_state.get(RAW_ACTIVITY_KEY)
        if isinstance(raw, Mapping):
            return raw
        serialised: dict[str, Any] = turn_context.activity.serialize()
        return serialised

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        raw = self._raw(turn_context)
        incoming = incoming_from_activity(raw)
        if incoming is None:
            activity = log_pseudonym(str(raw.get("id") or ""))  # an id is the platform's
            log.info("teams message ignored: nothing to act on", extra={"activity": activity})
            return
        if not self._authenticated:
            incoming = replace(incoming, authenticated=False)
        activity_id = str(raw.get("id") or "")

        async def identify(incoming: Incoming) -> Incoming:
            email = await self._learn_email(turn_context, incoming.user_id)
            member = self._emails.member(turn_context)
            return replace(incoming, email=email or incoming.email, member=member)

        stored = bool(turn_context.turn_state.get(STORED_KEY))  # claimed when it was stored
        replies = await self._pipeline.run(
            incoming,
            "action" if incoming.action else "message",
            claim=dedupe_key(incoming.conversation.conversation_id, activity_id)
            if activity_id and not stored
            else None,
            remember=references_from_activity(raw),
            identify=identify,
        )
        if replies is not None:
            await self._deliver(turn_context, replies, incoming)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        raw = self._raw(turn_context)
        if not bot_was_added(raw):
            return
        references = references_from_activity(raw)
        stored = await self._references.remember(references, self._pipeline.now())
        log.info("teams bot installed", extra={"references": stored, "personal": is_personal(raw)})
        for reference in references:  # routine posts that waited for the app go out now
            if reference.kind == "channel":
                await self._channels.bot_joined(PLATFORM, reference.ref_key)
        if is_personal(raw):
            installer = incoming_from_activity({**raw, "type": "message", "text": "install"})
            if installer is not None:
                await self._learn_email(turn_context, installer.user_id)
            await self._deliver(turn_context, self._pipeline.conversation.greeting())

    async def _learn_email(self, turn_context: TurnContext, person: str) -> str | None:
        """The sender's e-mail; the first time per process it goes into the people table,
        so routines that name people by e-mail can find their Teams chat."""
        sender_id = getattr(turn_context.activity.from_property, "id", None)
        known_before = self._emails.knows(sender_id)
        email = await self._emails.lookup(turn_context)
        if email and not known_before:
            await self._people.learn(PLATFORM, person, self._pipeline.now(), email=email)
        return email

    async def on_members_removed_activity(
        self, members_removed: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        await self._forget_if_removed(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self._forget_if_removed(turn_context)

    async def _forget_if_removed(self, turn_context: TurnContext) -> None:
        raw = self._raw(turn_context)
        if bot_was_removed(raw):
            forgotten = await self._references.forget_conversations(PLATFORM, conversations_of(raw))
            log.info("teams bot removed", extra={"references": forgotten})

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        # Teams sends this beside conversationUpdate; saving twice is an upsert.
        raw = self._raw(turn_context)
        await self._references.remember(references_from_activity(raw), self._pipeline.now())

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """An invoke the bot does not implement (its cards use Action.Submit: no
        `adaptiveCard/action`, task modules or message extensions) is answered 200 and
        ignored; botbuilder's default would be a 501, a server error for a valid request."""
        response = await super().on_invoke_activity(turn_context)
        if response is not None and response.status == HTTPStatus.NOT_IMPLEMENTED:
            name = str(turn_context.activity.name or "")[:60]
            log.info("teams invoke ignored: not implemented", extra={"invoke": name})
            return InvokeResponse(status=HTTPStatus.OK)
        return response

    async def on_unrecognized_activity_type(self, turn_context: TurnContext) -> None:
        log.info(
            "teams activity type ignored", extra={"type": str(turn_context.activity.type)[:40]}
        )

    async def _deliver(
        self,
        turn_context: TurnContext,
        replies: Sequence[Reply],
        incoming: Incoming | None = None,
    ) -> None:
        for reply in replies:
            payload = activity_from_reply(reply)
            if reply.private and incoming is not None and not incoming.is_direct:
                # Teams has no ephemeral messages: private replies go to the 1:1 chat.
                if self._private and await self._private.send_privately(incoming.user_id, payload):
                    continue
                payload = activity_from_reply(Reply(text=private_reply_failed()))
            activity = Activity().deserialize(payload)
            if reply.replaces:
                activity.id = reply.replaces
                await turn_context.update_activity(activity)
            else:
                await turn_context.send_activity(activity)


def _bad_request(reason: str, status: int = 400) -> web.Response:
    log.info("teams request rejected", extra={"reason": reason, "status": status})
    return web.json_response({"error": reason}, status=status)


class TeamsEndpoint:
    """The aiohttp handler for POST /api/messages."""

    def __init__(
        self,
        adapter: CloudAdapter,
        bot: TeamsBot,
        *,
        auth_enabled: bool,
        tenants: Sequence[str] = (),
        accept: Accept | None = None,
    ) -> None:
        """`accept`: the durable inbox (messages and card submits are stored, answered
        200, and worked on afterwards); None: every turn runs inside its request."""
        self._accept = accept
        self._adapter = adapter
        self._bot = bot
        self._auth_enabled = auth_enabled
        self._tenants = frozenset(t.lower() for t in tenants)
        if not auth_enabled:
            log.warning(INSECURE_WARNING)

    async def handle(self, request: web.Request) -> web.Response:
        if "json" not in request.headers.get("Content-Type", ""):
            return _bad_request("expected application/json", 415)
        body = await request.content.read(MAX_TEAMS_ACTIVITY_BYTES + 1)
        if len(body) > MAX_TEAMS_ACTIVITY_BYTES:
            return _bad_request("request body too large", 413)
        payload = _parse(body)
        if payload is None:
            return _bad_request("body is not a JSON object")
        if not isinstance(payload.get("type"), str) or not payload["type"]:
            return _bad_request("activity has no type")
        service_url = payload.get("serviceUrl")
        if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
            return _bad_request("activity has no serviceUrl")
        if not self._auth_enabled:
            log.warning(INSECURE_WARNING)  # on every request: this is a development mode
            if not is_loopback_url(service_url):
                # Unauthenticated, the bot would POST its reply wherever a caller says.
                return _bad_request("with authentication off only a loopback serviceUrl is served")
        if self._tenants and (tenant_id_of(payload) or "").lower() not in self._tenants:
            metrics.ERRORS.labels("other_tenant").inc()
            return _bad_request("activity from a tenant this bot does not serve", 403)
        try:
            activity = Activity().deserialize(payload)
        except Exception:
            return _bad_request("activity does not match the Bot Framework schema")
        try:
            authenticated = await authenticate(
                self._adapter,
                activity,
                request.headers.get("Authorization", ""),
                off_loop=self._auth_enabled,
            )
        except Exception as error:  # PermissionError, malformed JWTs, unknown keys...
            log.warning("teams request unauthorized", extra={"error": type(error).__name__})
            metrics.ERRORS.labels("bad_token").inc()
            return web.json_response({"error": "unauthorized"}, status=401)
        entry = inbox_entry(payload) if self._accept is not None else None
        if self._accept is not None and entry is not None:
            # Store, then acknowledge, then work (replies go through the connector).
            await self._accept(*entry, json.dumps(payload))
            return web.Response(status=200)

        async def turn(context: TurnContext) -> None:
            context.turn_state[RAW_ACTIVITY_KEY] = payload
            await self._bot.on_turn(context)

        invoke_response = await self._adapter.process_activity(authenticated, activity, turn)
        if invoke_response:
            return web.json_response(
                _invoke_body(invoke_response.body), status=invoke_response.status
            )
        return web.Response(status=200)


def inbox_entry(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, dedupe key) of an activity the inbox keeps: a message or card submit the bot
    acts on, with an id, whose replies go through the connector (not `expectReplies`,
    whose replies are the HTTP answer itself). None: the turn runs in the request."""
    if payload.get("deliveryMode") == "expectReplies":
        return None
    incoming = incoming_from_activity(payload)
    activity_id = payload.get("id")
    if incoming is None or not isinstance(activity_id, str) or not activity_id:
        return None
    return "message", dedupe_key(incoming.conversation.conversation_id, activity_id)


def _invoke_body(body: Any) -> Any:
    """An invoke response body as JSON; botbuilder's error bodies can hold an Exception."""
    try:
        return json.loads(json.dumps(serializer_helper(body)))
    except Exception:
        log.info("teams invoke response not serialisable", extra={"type": type(body).__name__})
        return {"error": "invoke not handled"}


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
INSECURE_WARNING = (
    "Teams authentication is OFF (GDPRBOT_TEAMS_INSECURE_DEV): /api/messages accepts "
    "unsigned requests from local tools only (serviceUrl on loopback). "
    "Set MicrosoftAppId and MicrosoftAppPassword for a real Teams tenant."
)


def is_loopback_url(url: str) -> bool:
    """True only for a plain http(s) URL whose host is exactly 127.0.0.1, [::1] or
    localhost (the Bot Framework Emulator, tests).

    Anything two URL parsers could read differently is refused before parsing: user info
    (`http://attacker.example\\@127.0.0.1/`), backslashes, percent escapes, whitespace and
    control characters; then the host must be one of the three spellings exactly (no
    decimal, octal or zero-padded addresses, no `127.0.0.2`, no `localhost.`).
    """
    if any(c in url for c in "\\@%") or any(c.isspace() or ord(c) < 32 for c in url):
        return False
    try:
        split = urlsplit(url)
        port = split.port  # raises on a malformed port
    except ValueError:
        return False
    netloc = split.netloc.lower()
    host = (split.hostname or "").lower()
    expected = f"[{host}]" if host == "::1" else host
    if port is not None:
        expected += f":{port}"
    return split.scheme in ("http", "https") and host in LOOPBACK_HOSTS and netloc == expected


def _parse(body: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None
