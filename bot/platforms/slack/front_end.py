"""The Slack front end: a slack-bolt AsyncApp whose listeners run the shared pipeline.

Both transports feed the same AsyncApp: HTTP mode (`POST /slack/events`, signature
checked here before anything is parsed) and Socket Mode (when an app token is set).
Listeners acknowledge first and work afterwards (bolt's `process_before_response=False`),
so Slack gets its answer well inside 3 seconds. The pipeline claims an event id in the
database before the reply is posted, so a retried event, or the same event at another
replica, never produces a second reply.

With a durable inbox (`FrontEndContext.inbox`), messages, button clicks, modal submits
and `/gdpr` slash commands, over HTTP or Socket Mode (socket_mode.py), are not handed to
bolt: their claim and raw payload are committed first, then Slack gets its 200 (or its
envelope ack), then they are worked on (`_work`) and the row deleted
(bot/chat/inbox_worker.py). A process killed in between leaves the
row; after its lease any replica works on it. With storage down the event is worked on
at once, unstored (answers need no database; clicks say "try again").
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from bot.chat import metrics
from bot.chat.i18n import t
from bot.chat.inbox_worker import InboxWorker
from bot.platforms.front_end import FrontEndContext
from bot.platforms.slack import shape, translate
from bot.platforms.slack.client import SlackConfig, bolt_app, make_web_client
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.entries import inbox_entry
from bot.platforms.slack.notifier import SlackNotifier
from bot.platforms.slack.people import SlackPeople
from bot.platforms.slack.replies import SlackReplies, failure
from bot.platforms.slack.socket_mode import InboxSocketModeHandler

log = logging.getLogger(__name__)


class SlackFrontEnd:
    platform = "slack"

    def __init__(self, config: SlackConfig, context: FrontEndContext) -> None:
        self._config = config
        self._pipeline = context.pipeline
        self._inbox = (
            None
            if context.inbox is None
            else InboxWorker(context.inbox, "slack", self._work, clock=self._pipeline.now)
        )
        self._channels = context.channels
        self._bot_user_id: str | None = None  # from auth.test, on the first join event
        # No secret (Socket Mode only): HTTP mode then rejects every request.
        self._verifier = SignatureVerifier(config.signing_secret) if config.signing_secret else None
        self._session: aiohttp.ClientSession | None = None
        self.client = make_web_client(config)
        self.notifier = SlackNotifier(self.client)
        self.app = self._build_app()
        self._socket: InboxSocketModeHandler | None = None
        self._people = SlackPeople(self.client)
        self.directory = SlackDirectory(self.client)  # the authorisation policy asks it
        self._replies = SlackReplies(self.client, lambda: self._session)
        self._inflight: set[asyncio.Task[Any]] = set()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/slack/events", self.handle_http)

    # --- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Share one HTTP connection pool for Web API calls; open Socket Mode if configured."""
        self._session = aiohttp.ClientSession()
        self.client.session = self._session
        if self._config.app_token:
            self._socket = InboxSocketModeHandler(
                self.app, self._config.app_token, web_client=self.client, store=self._store
            )
            await self._socket.connect_async()
            log.info("slack socket mode connected")
        if self._inbox is not None:
            self._inbox.start()

    async def settled(self) -> None:
        """Wait until the events the inbox accepted so far are worked on."""
        if self._inbox is not None:
            await self._inbox.settled()

    def _track(self) -> None:
        """Remember the running listener: bolt runs it after the HTTP ack, so shutdown must
        wait for it explicitly or the reply to an acknowledged event would be lost."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def close(self) -> None:
        """Finish replies already acknowledged (up to 10 s), then disconnect."""
        if self._inbox is not None:
            await self._inbox.close()
        if self._inflight:
            log.info("waiting for slack replies in flight", extra={"count": len(self._inflight)})
            await asyncio.wait(set(self._inflight), timeout=10)
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- HTTP mode --------------------------------------------------------------------

    async def handle_http(self, request: web.Request) -> web.Response:
        """`POST /slack/events`: verify, then hand to bolt (which acks before working)."""
        raw = await request.read()
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("slack request is not UTF-8", extra={"bytes": len(raw)})
            metrics.ERRORS.labels("malformed_payload").inc()
            return web.Response(status=400, text="body must be UTF-8")
        headers: dict[str, str | Sequence[str]] = {
            key.lower(): value for key, value in request.headers.items()
        }
        signed = self._verifier is not None and self._verifier.is_valid_request(
            body, dict(request.headers)
        )
        if not signed:
            log.warning("slack request rejected: bad or stale signature")
            metrics.ERRORS.labels("bad_signature").inc()
            return web.Response(status=401, text="invalid signature")
        if _malformed(body):
            return web.Response(status=400, text="malformed payload")
        if shape.rate_limit_notice(body):  # bolt has no listener for it: it would say 404
            log.warning("slack app_rate_limited: Slack is dropping this app's events a while")
            metrics.ERRORS.labels("slack_rate_limited").inc()
            return web.Response(status=200)
        if await self._store(body, checked=True):
            return web.Response(status=200)
        try:
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=headers)
            bolt_response = await self.app.async_dispatch(bolt_request)
        except (ValueError, AttributeError, TypeError, KeyError):
            log.warning("malformed slack payload ignored", exc_info=True)
            metrics.ERRORS.labels("malformed_payload").inc()
            return web.Response(status=400, text="malformed payload")
        return await to_aiohttp_response(bolt_response)

    # --- the durable inbox ---------------------------------------------------------------

    async def _store(self, body: str, *, checked: bool = False) -> bool:
        """Store an event the inbox keeps and start working on it; True when Slack may
        now be acknowledged (stored, a repeat, or malformed: a redelivery would not help).
        False: bolt handles it. Shared by HTTP (`checked`: its shape was) and Socket Mode."""
        if self._inbox is None:
            return False
        if not checked and _malformed(body):
            return True
        inboxed = inbox_entry(body)
        if inboxed is None:
            return False
        # Store, then acknowledge, then work: nothing acknowledged is lost.
        kind, key = inboxed
        await self._inbox.accept(kind, key, body)
        return True

    async def _work(self, kind: str, body: str, stored: bool) -> None:
        """Work on an event the inbox accepted (`stored`: it was claimed with it)."""
        decoded = shape.decode(body)  # parsed when it was stored, unless recovered
        if kind == "message":
            envelope = decoded.json
            await self._on_message(envelope, envelope["event"], stored=stored)
        elif kind == "command":
            form = decoded.fields()
            url = form.get("response_url", "")
            await self._on_command(form, self._replies.responder(url), stored=stored)
        else:
            payload = decoded.payload
            if kind == "action":
                await self._on_action(payload, stored=stored)
            else:
                await self._on_prompt_submitted(payload, stored=stored)

    # --- listeners --------------------------------------------------------------------

    def _build_app(self) -> AsyncApp:
        app = bolt_app(
            self.client,
            signing_secret=self._config.signing_secret or None,
            request_verification_enabled=bool(self._config.signing_secret),
            process_before_response=False,
            logger=logging.getLogger("slack_bolt.gdprbot"),
        )

        @app.event("message")
        async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
            self._track()
            await self._on_message(body, event)

        @app.event("app_mention")
        async def on_mention(body: dict[str, Any], event: dict[str, Any]) -> None:
            self._track()
            await self._on_message(body, event)

        @app.event("app_home_opened")
        async def on_home(event: dict[str, Any]) -> None:
            self._track()
            await self._on_home(event)

        @app.event("member_joined_channel")
        async def on_joined(event: dict[str, Any]) -> None:
            self._track()
            await self._on_joined(event)

        @app.event(re.compile(".*"))
        async def on_other(event: dict[str, Any]) -> None:
            log.info("slack event type ignored", extra={"type": str(event.get("type"))[:40]})

        @app.command("/gdpr")  # COMMAND
        async def on_command(
            ack: Callable[[], Awaitable[None]], body: dict[str, Any], respond: Any
        ) -> None:
            await ack()
            self._track()
            await self._on_command(body, respond)

        @app.action(re.compile(".*"))
        async def on_action(ack: Callable[[], Awaitable[None]], body: dict[str, Any]) -> None:
            await ack()
            self._track()
            await self._on_action(body)

        @app.view(translate.PROMPT_CALLBACK)
        async def on_prompt_submitted(ack: Any, body: dict[str, Any]) -> None:
            # Blank words keep the modal open with an error instead of acting on nothing.
            if not translate.submission_words(body):
                errors = {translate.PROMPT_BLOCK: translate.PROMPT_EMPTY}
                await ack(response_action="errors", errors=errors)
                return
            await ack()
            self._track()
            await self._on_prompt_submitted(body)

        # Whatever else this app's signed URL receives (a shortcut or command added to the
        # app by hand, a modal of an older version, view_closed) is Slack's and valid:
        # acknowledged and ignored. bolt's default, 404, shows the person an error.
        @app.shortcut(re.compile(".*"))
        @app.view_submission(re.compile(".*"))  # after the prompt's: the first match runs
        @app.view_closed(re.compile(".*"))
        @app.command(re.compile(".*"))
        async def on_unowned(ack: Callable[[], Awaitable[None]], body: dict[str, Any]) -> None:
            await ack()
            kind = str(body.get("type") or "command")[:40]
            log.info("slack request ignored", extra={"type": kind})

        return app

    async def _on_joined(self, event: Mapping[str, Any]) -> None:
        """Someone joined a channel; when it is the bot, tell the listeners (routines)."""
        if self._bot_user_id is None:
            try:
                self._bot_user_id = str((await self.client.auth_test()).get("user_id", ""))
            except Exception as exc:  # Slack unreachable: the next tick's probe covers it
                log.warning("slack auth.test failed on a join event", extra=failure(exc))
                return
        channel = str(event.get("channel", ""))
        if channel and event.get("user") == self._bot_user_id:
            await self._channels.bot_joined(self.platform, channel)

    async def _on_message(
        self, body: Mapping[str, Any], event: Mapping[str, Any], *, stored: bool = False
    ) -> None:
        event_id = body.get("event_id")
        incoming = translate.message_to_incoming(
            event,
            event_id=event_id if isinstance(event_id, str) else None,
            bot_user=translate.bot_user(body),
        )
        if incoming is None:
            return
        claim = None if stored else incoming.event_id  # a stored event was claimed with it
        replies = await self._pipeline.run(
            incoming, "message", claim=claim, identify=self._people.identify
        )
        if replies is not None:
            await self._replies.post(incoming, replies)

    async def _on_command(
        self, body: Mapping[str, Any], respond: Any, *, stored: bool = False
    ) -> None:
        incoming = translate.command_to_incoming(body)
        if incoming is None:
            log.info("slash command without user or channel ignored")
            return
        # A replayed request (same trigger_id) is answered once, like a retried event.
        claim = None if stored else incoming.event_id  # a stored one was claimed with it
        replies = await self._pipeline.run(
            incoming, "command", claim=claim, identify=self._people.identify
        )
        for reply in replies or ():
            if await self._replies.open_prompt(incoming, reply):
                continue
            if reply.attachment is not None:
                await self._replies.upload(incoming, reply)
            try:
                await respond(
                    text=translate.fallback_text(reply),
                    blocks=translate.reply_to_blocks(reply),
                    response_type="ephemeral",
                    replace_original=False,
                )
            except Exception as exc:
                log.warning("slash command response failed", extra=failure(exc))

    async def _on_action(self, body: Mapping[str, Any], *, stored: bool = False) -> None:
        incoming = translate.action_to_incoming(body)
        if incoming is None:
            log.info("block action without a usable action ignored")
            return
        # The very same click delivered twice (a retry) is answered once; a second click
        # has its own action_ts and is made harmless by the database instead.
        replies = await self._pipeline.run(
            incoming,
            "action",
            claim=None if stored else incoming.event_id,
            identify=self._people.identify,
        )
        if replies is None:
            return
        await self._replies.post(incoming, replies)
        asked = any(reply.prompt is not None for reply in replies)  # nothing changed yet
        if (body.get("view") or {}).get("type") == "home" and not asked:
            # A click on the App Home: show it again without what was just confirmed.
            await self._on_home({"user": incoming.user_id, "tab": "home"})

    async def _on_prompt_submitted(self, body: Mapping[str, Any], *, stored: bool = False) -> None:
        incoming = translate.submission_to_incoming(body)
        if incoming is None:
            log.info("view submission without usable metadata ignored")
            return
        claim = None if stored else incoming.event_id  # a stored one was claimed with it
        replies = await self._pipeline.run(
            incoming, "view_submission", claim=claim, identify=self._people.identify
        )
        if replies is None:  # the same submission again (its view id was claimed)
            return
        await self._replies.post(incoming, replies)
        if translate.submitted_on_home(body):
            await self._on_home({"user": incoming.user_id, "tab": "home"})

    async def _on_home(self, event: Mapping[str, Any]) -> None:
        incoming = translate.home_to_incoming(event)
        if incoming is None:
            return
        lang = self._pipeline.default_language
        identified = await self._people.identify(incoming)
        replies = await self._pipeline.refusal(identified)  # an external person: only that
        if replies is None:
            replies = await self._pipeline.conversation.home(identified, lang)
        view = translate.home_view(replies, title=t("home.title", lang))
        try:
            await self.client.views_publish(user_id=incoming.user_id, view=view)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("views.publish failed", extra=failure(exc))


def _malformed(body: str) -> bool:
    wrong = shape.problem(body)
    if wrong is not None:
        # The field path and pydantic's message name no person and carry no text.
        log.warning("malformed slack payload rejected", extra={"problem": wrong[:120]})
        metrics.ERRORS.labels("malformed_payload").inc()
    return wrong is not None
