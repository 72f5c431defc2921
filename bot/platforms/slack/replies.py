"""Posting replies on Slack: in place, ephemeral, in a thread, as a modal, or a file in a DM."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat import metrics
from bot.chat.i18n import t
from bot.chat.messages import Incoming, Reply
from bot.chat.pseudonyms import log_pseudonym
from bot.platforms.slack import translate

log = logging.getLogger(__name__)


class SlackReplies:
    """Sends the neutral replies to one incoming message the way Slack allows."""

    def __init__(
        self, client: AsyncWebClient, http: Callable[[], aiohttp.ClientSession | None]
    ) -> None:
        self.client = client
        self._http = http  # the front end's shared connection pool, once started

    async def post(self, incoming: Incoming, replies: Sequence[Reply]) -> None:
        """Post each reply where the message came from; a failure is logged, not raised."""
        channel = incoming.conversation.conversation_id
        for reply in replies:
            if await self.open_prompt(incoming, reply):
                continue
            try:
                await self._post_one(incoming, channel, reply)
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
                log.warning(
                    "slack post failed", extra={"event": log_pseudonym(incoming.event_id),
                                                **failure(exc)},
                )  # fmt: skip
                metrics.ERRORS.labels("delivery").inc()

    async def _post_one(self, incoming: Incoming, channel: str, reply: Reply) -> None:
        text, blocks = translate.fallback_text(reply), translate.reply_to_blocks(reply)
        ephemeral_url = _ephemeral_response_url(incoming)
        if ephemeral_url and (reply.replaces or reply.private):
            # An ephemeral message (e.g. under /gdpr) cannot be chat.update'd; its
            # response_url can replace it, or answer beside it privately: /gdpr works where
            # the bot is not a member (a channel, two people's DM), chat.postEphemeral not.
            webhook = AsyncWebhookClient(ephemeral_url, session=self._http(), timeout=10)
            await webhook.send(
                text=text,
                blocks=blocks,
                replace_original=bool(reply.replaces),
                response_type="ephemeral",
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
            await self.upload(incoming, reply)

    async def upload(self, incoming: Incoming, reply: Reply) -> None:
        """Files go to the asker's direct-message channel: reports are not for a channel."""
        attachment = reply.attachment
        assert attachment is not None
        channel = incoming.conversation.conversation_id
        try:
            # Only a message.im event is surely the person's DM with the bot: a /gdpr
            # typed in a DM between two people is `directmessage` too, and the bot may
            # not post there.
            if (incoming.raw or {}).get("channel_type") != "im":
                opened = await self.client.conversations_open(users=incoming.user_id)
                channel = opened["channel"]["id"]
            await self.client.files_upload_v2(
                channel=channel,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.title or attachment.filename,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError, KeyError, TypeError) as exc:
            log.warning("slack file upload failed", extra=failure(exc))
            metrics.ERRORS.labels("delivery").inc()
            await self._say_not_delivered(incoming, channel)

    async def _say_not_delivered(self, incoming: Incoming, channel: str) -> None:
        """The reply before promised a file: say it did not come, so the asker asks again
        instead of waiting (in both languages: a reply carries none). Where no DM could be
        opened, privately in the conversation the request came from."""
        text = f"{t('error', 'sv')} / {t('error', 'en')}"
        try:
            if channel == incoming.conversation.conversation_id and not incoming.is_direct:
                await self.client.chat_postEphemeral(
                    channel=channel, user=incoming.user_id, text=text, thread_ts=incoming.thread
                )
            else:
                await self.client.chat_postMessage(channel=channel, text=text)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack post failed", extra=failure(exc))

    def responder(self, response_url: str) -> Callable[..., Awaitable[object]]:
        """Answers through a slash command's response_url, as bolt's `respond` does
        (valid 30 minutes: a command taken over after a crash is still answered)."""
        webhook = AsyncWebhookClient(response_url, session=self._http(), timeout=10)
        return webhook.send

    async def open_prompt(self, incoming: Incoming, reply: Reply) -> bool:
        """Ask for the prompt's words in a modal; False when that is not possible here
        (no trigger_id: a typed message) or Slack refused (the trigger expired)."""
        trigger_id = (incoming.raw or {}).get("trigger_id")
        if reply.prompt is None or not isinstance(trigger_id, str) or not trigger_id:
            return False
        try:
            view = translate.prompt_view(reply.prompt, incoming)
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("views.open failed; asking in a message instead", extra=failure(exc))
            return False
        return True


def _ephemeral_response_url(incoming: Incoming) -> str | None:
    """The response_url of a click on an ephemeral message, if that is what this was."""
    raw = incoming.raw or {}
    container = raw.get("container") or {}
    url = raw.get("response_url")
    if incoming.action is not None and container.get("is_ephemeral") and isinstance(url, str):
        return url
    return None


def failure(exc: BaseException) -> dict[str, object]:
    """A failed Slack call as one log line's fields: the error's class and Slack's error
    code or HTTP status. No traceback: its text can carry a response_url (a token) and it
    turns one failure into many lines."""
    response = getattr(exc, "response", None)
    getter = getattr(response, "get", None)
    code = getter("error", "") if callable(getter) else ""
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return {"error": type(exc).__name__, "status": code or status or ""}
