"""Routine notices to Teams, proactively: `routines.ports.Notifier` for the Teams platform.

A channel or a person is found through the stored conversation reference. With a
reference to someone's 1:1 chat the notice goes there; with only a group reference
(the person was seen in a channel) the bot first opens a 1:1 chat with them
(POST /v3/conversations) and keeps that reference for next time. Nothing stored, or a
call the connector refuses: `DeliveryError`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.chat.ports import Reference, References
from bot.platforms.teams.activities import PLATFORM
from bot.platforms.teams.cards import activity_from_notice
from routines.ports import Delivered, DeliveryError, Notice, Recipient

log = logging.getLogger(__name__)

T = TypeVar("T")
Logic = Callable[[TurnContext], Awaitable[None]]


def _reference(
    data: Mapping[str, Any], conversation_id: str | None = None
) -> ConversationReference:
    payload = dict(data)
    if conversation_id:
        payload["conversation"] = {**dict(payload.get("conversation") or {}), "id": conversation_id}
    payload.pop("activityId", None)  # never post as a reply into an old thread
    reference: ConversationReference = ConversationReference().deserialize(payload)
    return reference


async def _post_new(context: TurnContext, activity: Activity) -> str:
    """Post as a new message, not as a reply to the turn's synthetic continuation event.

    `TurnContext.send_activity` would address the post as a reply to that event's
    made-up id; a notice must start its own thread in a channel.
    """
    reference = TurnContext.get_conversation_reference(context.activity)
    addressed = TurnContext.apply_conversation_reference(activity, reference)
    addressed.reply_to_id = None
    (response,) = await context.adapter.send_activities(context, [addressed])
    return str(response.id or "") if response else ""


def _refused(what: str, error: Exception) -> DeliveryError:
    """A failed connector call; 4xx other than 429 will not heal by retrying."""
    status = getattr(getattr(error, "response", None), "status_code", None)
    retryable = not isinstance(status, int) or status == 429 or status >= 500
    detail = f"HTTP {status}" if isinstance(status, int) else type(error).__name__
    return DeliveryError(f"Teams connector refused the {what}: {detail}", retryable=retryable)


async def _in_turn(
    start: Callable[[Logic], Awaitable[Any]],
    logic: Callable[[TurnContext], Awaitable[T]],
    what: str,
) -> T:
    """Run `logic` in a proactive turn and hand back its result or its error.

    The adapter would otherwise swallow an error raised inside the turn (it goes to
    `on_turn_error`), and the caller must know that the notice did not arrive.
    """
    results: list[T] = []
    errors: list[Exception] = []

    async def guarded(context: TurnContext) -> None:
        try:
            results.append(await logic(context))
        except Exception as error:
            errors.append(error)

    try:
        await start(guarded)
    except Exception as error:
        errors.append(error)
    if errors:
        raise _refused(what, errors[0]) from errors[0]
    if not results:
        raise DeliveryError(f"Teams ran no turn for the {what}")
    return results[0]


class TeamsNotifier:
    def __init__(
        self,
        adapter: CloudAdapter,
        references: References,
        *,
        clock: Callable[[], datetime],
        app_id: str = "",
    ) -> None:
        self._adapter = adapter
        self._references = references
        self._app_id = app_id
        self._clock = clock

    async def send(self, recipient: Recipient, notice: Notice) -> Delivered:
        stored = await self._references.find(PLATFORM, recipient.kind, recipient.address)
        if stored is None:
            raise DeliveryError(
                f"no Teams conversation reference for this {recipient.kind}: "
                "the bot must be installed there (or spoken to) first",
                retryable=False,
                problem="not_installed" if recipient.kind == "channel" else "",
            )
        activity = Activity().deserialize(activity_from_notice(notice))
        if stored.kind == "person" and not stored.personal:
            conversation_id, message_id = await self._send_opening_chat(stored, activity)
        else:
            conversation_id = stored.conversation_id
            message_id = await self._continue(
                _reference(stored.reference), lambda context: _post_new(context, activity)
            )
        log.info("teams notice sent", extra={"routine": notice.routine_id, "kind": notice.kind})
        return Delivered(recipient, message_id=message_id, conversation_id=conversation_id)

    async def send_privately(self, person: str, activity: Mapping[str, Any]) -> bool:
        """Post an activity into a person's 1:1 chat (opening one if needed); False if not.

        The Teams stand-in for Slack's ephemeral messages: a private reply to something
        said in a channel must not be posted in the channel.
        """
        stored = await self._references.find(PLATFORM, "person", person)
        if stored is None:
            return False
        message = Activity().deserialize(dict(activity))
        try:
            if stored.personal:
                await self._continue(
                    _reference(stored.reference), lambda context: _post_new(context, message)
                )
            else:
                await self._send_opening_chat(stored, message)
        except DeliveryError as error:
            log.info("teams private reply failed", extra={"error": str(error)[:120]})
            return False
        return True

    async def update(self, delivered: Delivered, notice: Notice) -> None:
        recipient = delivered.recipient
        stored = await self._references.find(PLATFORM, recipient.kind, recipient.address)
        if stored is None:
            raise DeliveryError("no Teams conversation reference to update in", retryable=False)
        reference = _reference(stored.reference, delivered.conversation_id or None)
        activity = Activity().deserialize(activity_from_notice(notice))
        activity.id = delivered.message_id

        async def update(context: TurnContext) -> None:
            await context.update_activity(activity)

        await self._continue(reference, update, what="update")

    async def _continue(
        self,
        reference: ConversationReference,
        logic: Callable[[TurnContext], Awaitable[T]],
        what: str = "message",
    ) -> T:
        def start(guarded: Logic) -> Awaitable[Any]:
            return self._adapter.continue_conversation(reference, guarded, self._app_id)

        return await _in_turn(start, logic, what)

    async def _send_opening_chat(self, stored: Reference, activity: Activity) -> tuple[str, str]:
        """Open a 1:1 chat with the person, post into it, and keep its reference."""
        data = stored.reference
        user_id = stored.user_id or str((data.get("user") or {}).get("id", ""))
        service_url = str(data.get("serviceUrl", ""))
        tenant_id = (data.get("conversation") or {}).get("tenantId")
        bot = data.get("bot") or {}
        if not user_id or not service_url:
            raise DeliveryError(
                "stored Teams reference lacks a user id or service URL", retryable=False
            )
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot.get("id"), name=bot.get("name")),
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )

        async def post(context: TurnContext) -> tuple[str, str, dict[str, Any]]:
            reference = TurnContext.get_conversation_reference(context.activity)
            reference.activity_id = None
            reference.user = ChannelAccount(id=user_id, aad_object_id=stored.ref_key)
            reference.bot = ChannelAccount(id=bot.get("id"), name=bot.get("name"))
            message_id = await _post_new(context, activity)
            as_dict: dict[str, Any] = reference.serialize()
            conversation = dict(as_dict.get("conversation") or {})
            conversation["conversationType"] = "personal"
            if tenant_id:
                conversation["tenantId"] = tenant_id
            as_dict["conversation"] = conversation
            return reference.conversation.id, message_id, as_dict

        def start(guarded: Logic) -> Awaitable[Any]:
            channel = str(data.get("channelId") or "msteams")
            return self._adapter.create_conversation(
                self._app_id, guarded, parameters, channel, service_url, None
            )

        conversation_id, message_id, reference = await _in_turn(start, post, "1:1 chat")
        personal = Reference(
            platform=PLATFORM,
            kind="person",
            ref_key=stored.ref_key,
            user_id=user_id,
            conversation_id=conversation_id,
            reference=reference,
            personal=True,
        )  # kept, so the next notice to this person reuses the chat
        await self._references.remember([personal], self._clock())
        return conversation_id, message_id
