"""Routine notices to Slack: `chat.postMessage` to a channel or a person, `chat.update` later."""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack import translate
from routines.ports import UNDELIVERABLE, Delivered, DeliveryError, Notice, Recipient

log = logging.getLogger(__name__)

# Slack error codes (HTTP 200, ok=false) that may well succeed on a later try.
_TRANSIENT = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)


class SlackNotifier:
    """Posts notices as Block Kit with confirm / not applicable / note buttons.

    A person is addressed by user id (a DM: posting to a user id opens the app's DM) or
    by e-mail address (looked up with users.lookupByEmail). A channel by id or name.
    """

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def send(self, recipient: Recipient, notice: Notice) -> Delivered:
        try:
            channel = await self._channel_for(recipient)
            response = await self._client.chat_postMessage(
                channel=channel,
                text=translate.notice_text(notice),
                blocks=translate.notice_to_blocks(notice),
            )
        except SlackApiError as exc:
            raise _delivery_error(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"slack unreachable: {exc.__class__.__name__}") from exc
        return Delivered(
            recipient=recipient,
            message_id=str(response.get("ts", "")),
            conversation_id=str(response.get("channel", channel)),
        )

    async def update(self, delivered: Delivered, notice: Notice) -> None:
        try:
            await self._client.chat_update(
                channel=delivered.conversation_id or delivered.recipient.address,
                ts=delivered.message_id,
                text=translate.notice_text(notice),
                blocks=translate.notice_to_blocks(notice),
            )
        except SlackApiError as exc:
            raise _delivery_error(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"slack unreachable: {exc.__class__.__name__}") from exc

    async def _channel_for(self, recipient: Recipient) -> str:
        address = recipient.address.strip()
        if recipient.kind == "person" and "@" in address:
            found = await self._client.users_lookupByEmail(email=address)
            return str(found["user"]["id"])
        return address.lstrip("#") if recipient.kind == "channel" else address


def _delivery_error(exc: SlackApiError) -> DeliveryError:
    response = exc.response
    # A body that is not JSON comes with aiohttp's own response (`status`, no `.get`)
    status = getattr(response, "status_code", None) or getattr(response, "status", 0) or 0
    getter = getattr(response, "get", None)
    code = str(getter("error", "") or "") if callable(getter) else ""
    # No error code: not Slack's answer (a proxy's page, a cut-off body): try again later
    retryable = status == 429 or status >= 500 or code in _TRANSIENT or not code
    problem = code if code in UNDELIVERABLE else ""
    log.warning("slack delivery failed", extra={"status": status, "error": code})
    return DeliveryError(
        f"slack error {status} {code}".strip(), retryable=retryable, problem=problem
    )
