"""The Slack front end: a slack-bolt AsyncApp whose listeners call the conversation.

Both transports feed the same AsyncApp: HTTP mode (`POST /slack/events`, signature
checked here before anything is parsed) and Socket Mode (when an app token is set).
Listeners acknowledge first and work afterwards (bolt's `process_before_response=False`),
so Slack gets its answer well inside 3 seconds. An event id is claimed in the database
before the reply is posted, so a retried event, or the same event at another replica,
never produces a second reply.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat import metrics
from bot.chat.conversation import Conversation
from bot.chat.i18n import t
from bot.chat.messages import Incoming, Reply
from bot.platforms.slack import translate

log = logging.getLogger(__name__)

PEOPLE_TTL_SECONDS = 3600.0
# (platform, event id) -> True the first time it is seen (bot/event_dedupe.py behind a thread).
ClaimEvent = Callable[[str, str], Awaitable[bool]]


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str = ""
    app_token: str = ""
    api_url: str = "https://slack.com/api/"
    default_language: str = "sv"


def make_web_client(
    settings: SlackSettings,
    session: aiohttp.ClientSession | None = None,
    *,
    rate_limit_retries: int = 3,
) -> AsyncWebClient:
    """A Web API client pointed at `api_url` that honours 429 Retry-After and retries 5xx."""
    base_url = settings.api_url if settings.api_url.endswith("/") else settings.api_url + "/"
    return AsyncWebClient(
        token=settings.bot_token or None,
        base_url=base_url,
        session=session,
        timeout=10,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class SlackFrontEnd:
    def __init__(
        self, settings: SlackSettings, conversation: Conversation, claim_event: ClaimEvent
    ) -> None:
        self._settings = settings
        self._conversation = conversation
        self._claim_event = claim_event
        # No secret (Socket Mode only): HTTP mode then rejects every request.
        self._verifier = (
            SignatureVerifier(settings.signing_secret) if settings.signing_secret else None
        )
        self._session: aiohttp.ClientSession | None = None
        self.client = make_web_client(settings)
        self.app = self._build_app()
        self._socket: AsyncSocketModeHandler | None = None
        self._people: dict[str, tuple[float, str | None, str | None]] = {}
        self._inflight: set[asyncio.Task[Any]] = set()

    # --- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Share one HTTP connection pool for Web API calls; open Socket Mode if configured."""
        self._session = aiohttp.ClientSession()
        self.client.session = self._session
        if self._settings.app_token:
            self._socket = AsyncSocketModeHandler(
                self.app, self._settings.app_token, web_client=self.client
            )
            await self._socket.connect_async()
            log.info("slack socket mode connected")

    def _track(self) -> None:
        """Remember the running listener: bolt runs it after the HTTP ack, so shutdown must
        wait for it explicitly or the reply to an acknowledged event would be lost."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def close(self) -> None:
        """Finish replies already acknowledged (up to 10 s), then disconnect."""
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
        try:
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=headers)
            bolt_response = await self.app.async_dispatch(bolt_request)
        except (ValueError, AttributeError, TypeError, KeyError):
            log.warning("malformed slack payload ignored", exc_info=True)
            metrics.ERRORS.labels("malformed_payload").inc()
            return web.Response(status=400, text="malformed payload")
        return await to_aiohttp_response(bolt_response)

    # --- listeners --------------------------------------------------------------------

    def _build_app(self) -> AsyncApp:
        app = AsyncApp(
            client=self.client,
            signing_secret=self._settings.signing_secret or None,
            request_verification_enabled=bool(self._settings.signing_secret),
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

        @app.event(re.compile(".*"))
        async def on_other(event: dict[str, Any]) -> None:
            log.info("slack event type ignored", extra={"type": str(event.get("type"))[:40]})

        @app.command("/gdpr")
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

        return app

    async def _on_message(self, body: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        event_id = body.get("event_id")
        incoming = translate.message_to_incoming(
            event, event_id=event_id if isinstance(event_id, str) else None
        )
        if incoming is None:
            return
        if not await self._first_delivery(incoming):
            return
        replies = await self._converse(incoming, "message")
        await self.post_replies(incoming, replies)

    async def _first_delivery(self, incoming: Incoming) -> bool:
        """True for the first delivery of an event (or one without an id), False for a repeat.

        With the database down the claim fails: the person is told to try again (nothing
        was recorded) instead of an exception escaping to bolt, which answers Slack 404.
        """
        if not incoming.event_id:
            return True
        try:
            return await self._claim_event("slack", incoming.event_id)
        except Exception:
            log.warning("slack event not claimed: database error", exc_info=True)
            metrics.ERRORS.labels("database").inc()
            apology = Reply(text=t("error", self._settings.default_language), private=True)
            await self.post_replies(incoming, [apology])
            return False

    async def _on_command(self, body: Mapping[str, Any], respond: Any) -> None:
        incoming = translate.command_to_incoming(body)
        if incoming is None:
            log.info("slash command without user or channel ignored")
            return
        replies = await self._converse(incoming, "command")
        for reply in replies:
            if await self._open_prompt(incoming, reply):
                continue
            if reply.attachment is not None:
                await self._upload(incoming, reply)
            try:
                await respond(
                    text=translate.fallback_text(reply),
                    blocks=translate.reply_to_blocks(reply),
                    response_type="ephemeral",
                    replace_original=False,
                )
            except Exception:
                log.warning("slash command response failed", exc_info=True)

    async def _on_action(self, body: Mapping[str, Any]) -> None:
        incoming = translate.action_to_incoming(body)
        if incoming is None:
            log.info("block action without a usable action ignored")
            return
        # The very same click delivered twice (a retry) is answered once; a second click
        # has its own action_ts and is made harmless by the database instead.
        if not await self._first_delivery(incoming):
            return
        replies = await self._converse(incoming, "action")
        await self.post_replies(incoming, replies)
        asked = any(reply.prompt is not None for reply in replies)  # nothing changed yet
        if (body.get("view") or {}).get("type") == "home" and not asked:
            # A click on the App Home: show it again without what was just confirmed.
            await self._on_home({"user": incoming.user_id, "tab": "home"})

    async def _on_prompt_submitted(self, body: Mapping[str, Any]) -> None:
        incoming = translate.submission_to_incoming(body)
        if incoming is None:
            log.info("view submission without usable metadata ignored")
            return
        replies = await self._converse(incoming, "view_submission")
        await self.post_replies(incoming, replies)
        if translate.submitted_on_home(body):
            await self._on_home({"user": incoming.user_id, "tab": "home"})

    async def _open_prompt(self, incoming: Incoming, reply: Reply) -> bool:
        """Ask for the prompt's words in a modal; False when that is not possible here
        (no trigger_id: a typed message) or Slack refused (the trigger expired)."""
        trigger_id = (incoming.raw or {}).get("trigger_id")
        if reply.prompt is None or not isinstance(trigger_id, str) or not trigger_id:
            return False
        try:
            view = translate.prompt_view(reply.prompt, incoming)
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except (SlackApiError, aiohttp.ClientError, TimeoutError):
            log.warning("views.open failed; asking in a message instead", exc_info=True)
            return False
        return True

    async def _on_home(self, event: Mapping[str, Any]) -> None:
        incoming = translate.home_to_incoming(event)
        if incoming is None:
            return
        lang = self._settings.default_language
        replies = await self._conversation.home(await self._identify(incoming), lang)
        view = translate.home_view(replies, title=t("home.title", lang))
        try:
            await self.client.views_publish(user_id=incoming.user_id, view=view)
        except (SlackApiError, aiohttp.ClientError, TimeoutError):
            log.warning("views.publish failed", exc_info=True)

    async def _converse(self, incoming: Incoming, kind: str) -> list[Reply]:
        metrics.REQUESTS.labels("slack", kind).inc()
        with metrics.REQUEST_SECONDS.labels("slack").time():
            return await self._conversation.handle(await self._identify(incoming))

    # --- who is asking ---------------------------------------------------------------

    async def _identify(self, incoming: Incoming) -> Incoming:
        """Add the user's name and e-mail (routines may be assigned by e-mail address).

        One users.info call per user per hour, cached in memory; without it (missing
        scope, Slack down) the conversation still works with the user id alone.
        """
        now = time.monotonic()
        cached = self._people.get(incoming.user_id)
        if cached is None or now - cached[0] > PEOPLE_TTL_SECONDS:
            name: str | None = None
            email: str | None = None
            try:
                found = await self.client.users_info(user=incoming.user_id)
                user = found.get("user") or {}
                profile = user.get("profile") or {}
                name = profile.get("display_name") or user.get("real_name") or user.get("name")
                email = profile.get("email")
            except (SlackApiError, aiohttp.ClientError, TimeoutError):
                log.info("users.info failed; continuing without name and e-mail")
            cached = (now, name or None, email or None)
            self._people[incoming.user_id] = cached
        _, name, email = cached
        return dataclasses.replace(
            incoming,
            display_name=incoming.display_name or name,
            email=incoming.email or email,
        )

    # --- posting ----------------------------------------------------------------------

    async def post_replies(self, incoming: Incoming, replies: Sequence[Reply]) -> None:
        """Post each reply where the message came from; a failure is logged, not raised."""
        channel = incoming.conversation.conversation_id
        for reply in replies:
            if await self._open_prompt(incoming, reply):
                continue
            try:
                await self._post_one(incoming, channel, reply)
            except (SlackApiError, aiohttp.ClientError, TimeoutError):
                log.warning(
                    "slack post failed", extra={"event_id": incoming.event_id}, exc_info=True
                )
                metrics.ERRORS.labels("delivery").inc()

    async def _post_one(self, incoming: Incoming, channel: str, reply: Reply) -> None:
        text, blocks = translate.fallback_text(reply), translate.reply_to_blocks(reply)
        ephemeral_url = _ephemeral_response_url(incoming)
        if reply.replaces and ephemeral_url:
            # An ephemeral message (e.g. under /gdpr) cannot be chat.update'd; its
            # response_url can replace it.
            webhook = AsyncWebhookClient(ephemeral_url, session=self._session, timeout=10)
            await webhook.send(
                text=text, blocks=blocks, replace_original=True, response_type="ephemeral"
            )
        elif reply.replaces:
            await self.client.chat_update(
                channel=channel, ts=reply.replaces, text=text, blocks=blocks
            )
        elif reply.private and not incoming.is_direct:
            await self.client.chat_postEphemeral(
                channel=channel,
                user=incoming.user_id,
                text=text,
                blocks=blocks,
                thread_ts=incoming.thread,
            )
        else:
            await self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=incoming.thread
            )
        if reply.attachment is not None:
            await self._upload(incoming, reply)

    async def _upload(self, incoming: Incoming, reply: Reply) -> None:
        """Files go to the asker's direct-message channel: reports are not for a channel."""
        attachment = reply.attachment
        assert attachment is not None
        try:
            channel = incoming.conversation.conversation_id
            if not incoming.is_direct:
                opened = await self.client.conversations_open(users=incoming.user_id)
                channel = opened["channel"]["id"]
            await self.client.files_upload_v2(
                channel=channel,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.title or attachment.filename,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError, KeyError, TypeError):
            log.warning("slack file upload failed", exc_info=True)


def _ephemeral_response_url(incoming: Incoming) -> str | None:
    """The response_url of a click on an ephemeral message, if that is what this was."""
    raw = incoming.raw or {}
    container = raw.get("container") or {}
    url = raw.get("response_url")
    if incoming.action is not None and container.get("is_ephemeral") and isinstance(url, str):
        return url
    return None
