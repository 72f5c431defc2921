"""The Teams endpoint over real HTTP: Activities in, cards out through the fake connector."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.conversation import ACTION_FEEDBACK_UP
from bot.conversation_refs import find_reference
from bot.messages import Incoming, Reply
from bot.question_log import QuestionRecord
from routines.db import transaction
from routines.ports import DeliveryError, Notice, NoticeAction, Recipient
from tests.bot.conftest import DPO
from tests.bot.teams_fixtures import (
    BOT_ACCOUNT,
    TeamsBotServer,
    channel_activity,
    install_activity,
    message_activity,
)


def card_text(card: Mapping[str, Any] | None) -> str:
    """Every TextBlock text and fact on a card, one string, for `in` checks."""
    assert card is not None, "expected an Adaptive Card"
    parts: list[str] = []
    for element in card.get("body", []):
        if element.get("type") == "TextBlock":
            parts.append(element["text"])
        for fact in element.get("facts", []):
            parts.append(f"{fact['title']}: {fact['value']}")
    return "\n".join(parts)


def action_ids(card: Mapping[str, Any] | None) -> list[str]:
    assert card is not None, "expected an Adaptive Card"
    return [action["data"]["action_id"] for action in card.get("actions", []) if "data" in action]


def only(calls: Sequence[Any]) -> Any:
    assert len(calls) == 1, calls
    return calls[0]


# --- answers ----------------------------------------------------------------------------


async def test_a_question_is_answered_with_a_sourced_card_and_feedback_buttons(
    teams_bot: TeamsBotServer,
) -> None:
    reply = only(await teams_bot.say("Hur länge sparar vi samtalsinspelningar?"))
    assert reply.kind == "reply" and reply.conversation_id == "a:anna-personal"
    card = reply.card
    assert card is not None
    text = card_text(card)
    assert "90 dagar" in text
    assert "Källa: Hur länge sparar vi samtalsinspelningar?" in text
    assert "Ansvarig: Kundtjänstchef" in text
    assert "Granskad: 2026-09-01" in text
    assert action_ids(card) == ["answer.up", "answer.down"]


async def test_a_channel_mention_is_answered_in_its_thread(teams_bot: TeamsBotServer) -> None:
    activity = channel_activity(teams_bot.connector.url, id=teams_bot.next_id())
    reply = only(await teams_bot.send(activity))
    assert reply.conversation_id == "19:kundservice@thread.tacv2;messageid=1699"
    assert reply.card is not None and "samtalsinspelningar" in card_text(reply.card)


async def test_an_unknown_question_falls_back_to_the_dpo(teams_bot: TeamsBotServer) -> None:
    reply = only(await teams_bot.say("Vilken färg har personalrummets soffa?"))
    shown = reply.activity.get("text", "") + (card_text(reply.card) if reply.card else "")
    assert DPO in shown
    assert "Källa" not in shown


@pytest.mark.parametrize(
    ("word", "heading"), [("hjälp", "**Det här kan jag**"), ("help", "**What I can do**")]
)
async def test_help_is_given_in_the_language_asked(
    teams_bot: TeamsBotServer, word: str, heading: str
) -> None:
    reply = only(await teams_bot.say(word))
    assert reply.activity["text"].startswith(heading)


async def test_feedback_is_recorded_once_however_often_it_is_clicked(
    teams_bot: TeamsBotServer,
) -> None:
    answer = only(await teams_bot.say("Hur länge sparar vi samtalsinspelningar?"))
    up = next(a for a in answer.card["actions"] if a["data"]["action_id"] == ACTION_FEEDBACK_UP)
    question_id = up["data"]["value"]

    thanks = await teams_bot.click(ACTION_FEEDBACK_UP, question_id)
    again = await teams_bot.click(ACTION_FEEDBACK_UP, question_id)

    assert len(thanks) == 1 and "Tack" in thanks[0].activity["text"]
    assert again == []
    with transaction(teams_bot.sessions) as session:
        votes = session.scalars(select(QuestionRecord.vote)).all()
    assert votes == ["up"]


async def _click_in_channel(bot: TeamsBotServer, action_id: str, value: str) -> list[Any]:
    click = channel_activity(
        bot.connector.url,
        id=bot.next_id(),
        text=None,
        replyToId="answer-card",
        value={"action_id": action_id, "value": value},
    )
    return await bot.send(click)


async def test_a_private_reply_to_a_channel_click_goes_to_the_persons_own_chat(
    teams_bot: TeamsBotServer,
) -> None:
    answer = only(await teams_bot.send(channel_activity(teams_bot.connector.url, id="q-1")))
    question_id = answer.card["actions"][0]["data"]["value"]

    sent = await _click_in_channel(teams_bot, ACTION_FEEDBACK_UP, question_id)

    create, thanks = sent
    assert create.kind == "create" and create.body["members"] == [{"id": "29:anna"}]
    assert thanks.conversation_id.startswith("a:personal")
    assert "Tack" in thanks.activity["text"]


async def test_a_private_reply_that_cannot_reach_the_person_shows_nothing_personal(
    teams_bot: TeamsBotServer,
) -> None:
    answer = only(await teams_bot.send(channel_activity(teams_bot.connector.url, id="q-2")))
    question_id = answer.card["actions"][0]["data"]["value"]
    teams_bot.connector.fail_with, teams_bot.connector.fail_only = 403, frozenset({"create"})

    sent = await _click_in_channel(teams_bot, ACTION_FEEDBACK_UP, question_id)

    in_channel = only([call for call in sent if call.kind != "create"])
    assert in_channel.conversation_id.startswith("19:kundservice@thread.tacv2")
    assert "Tack" not in in_channel.activity["text"]
    assert "personal" in in_channel.activity["text"]


async def test_replies_reuse_one_connection_to_the_connector(teams_bot: TeamsBotServer) -> None:
    for word in ("hjälp", "help", "hjälp"):
        await teams_bot.say(word)
    assert len({call.peer for call in teams_bot.connector.calls}) == 1


async def test_a_repeated_activity_is_answered_once(teams_bot: TeamsBotServer) -> None:
    activity = message_activity(teams_bot.connector.url, id="same-id", text="hjälp")
    first = await teams_bot.send(activity)
    second = await teams_bot.send(activity)
    assert len(first) == 1
    assert second == []


async def test_the_same_activity_arriving_twice_at_once_is_answered_once(
    teams_bot: TeamsBotServer,
) -> None:
    activity = message_activity(teams_bot.connector.url, id="racing", text="hjälp")
    statuses = await asyncio.gather(teams_bot.post(activity), teams_bot.post(activity))
    assert [status for status, _ in statuses] == [200, 200]
    assert len(teams_bot.connector.calls) == 1


class _UpdatingFeature:
    """A stand-in chat feature whose button answer replaces the card it sat on."""

    words: Mapping[str, str] = {}
    action_prefixes: tuple[str, ...] = ("demo.",)

    def help_lines(self, lang: str) -> Sequence[str]:
        return []

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        return []

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        assert incoming.action is not None
        note = incoming.action.inputs.get("note", "")
        return [Reply(text=f"Kvitterad: {note}", replaces=incoming.action.message_id)]


async def test_a_reply_that_replaces_updates_the_card_in_place(
    teams_bot: TeamsBotServer,
) -> None:
    teams_bot.services.add_feature(_UpdatingFeature())
    update = only(await teams_bot.click("demo.done", "42", on="card-7", note="Klart i tid"))
    assert update.kind == "update" and update.activity_id == "card-7"
    assert update.activity["text"] == "Kvitterad: Klart i tid"


class _WhoAmI:
    """A stand-in chat feature that says which e-mail address the bot knows for the asker."""

    words: Mapping[str, str] = {"whoami": "whoami"}
    action_prefixes: tuple[str, ...] = ()

    def help_lines(self, lang: str) -> Sequence[str]:
        return []

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        return [Reply(text=incoming.email or "unknown")]

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        return []


async def test_the_senders_e_mail_is_asked_of_teams_once(teams_bot: TeamsBotServer) -> None:
    teams_bot.services.add_feature(_WhoAmI())
    teams_bot.connector.members["29:anna"] = {
        "id": "29:anna",
        "aadObjectId": "aad-anna",
        "email": "anna@example.se",
        "userPrincipalName": "anna@example.se",
    }
    first = only(await teams_bot.say("whoami"))
    again = only(await teams_bot.say("whoami"))
    assert first.activity["text"] == again.activity["text"] == "anna@example.se"
    assert teams_bot.connector.member_lookups == 1


async def test_an_unknown_member_is_still_answered(teams_bot: TeamsBotServer) -> None:
    teams_bot.services.add_feature(_WhoAmI())
    reply = only(await teams_bot.say("whoami"))
    assert reply.activity["text"] == "unknown"


# --- install and proactive messages -------------------------------------------------------


async def test_installing_in_a_channel_stores_a_reference(teams_bot: TeamsBotServer) -> None:
    sent = await teams_bot.send(install_activity(teams_bot.connector.url, id="install-1"))
    assert sent == []  # no greeting in a channel: only people who chat with the bot get one
    with transaction(teams_bot.sessions) as session:
        stored = find_reference(session, "teams", "channel", "19:kundservice@thread.tacv2")
    assert stored is not None
    assert stored.reference["serviceUrl"] == teams_bot.connector.url


async def test_removing_the_bot_from_a_channel_forgets_its_reference(
    teams_bot: TeamsBotServer,
) -> None:
    url = teams_bot.connector.url
    await teams_bot.send(install_activity(url, id="install-4"))
    removal = install_activity(url, id="remove-4", membersRemoved=[BOT_ACCOUNT])
    del removal["membersAdded"]

    assert await teams_bot.send(removal) == []

    with transaction(teams_bot.sessions) as session:
        assert find_reference(session, "teams", "channel", "19:kundservice@thread.tacv2") is None


async def test_installing_in_a_personal_chat_greets_the_person(teams_bot: TeamsBotServer) -> None:
    install = message_activity(
        teams_bot.connector.url, id="install-2", type="conversationUpdate", text=None
    )
    install["membersAdded"] = [install["recipient"]]
    sent = await teams_bot.send(install)
    assert sent and "GDPR-boten" in sent[0].activity["text"]


NOTICE = Notice(
    kind="posted",
    routine_id="retention-review",
    title="Kvartalsvis gallring",
    text="Gå igenom lagrade samtal.",
    occurrence_id=42,
    due_date=date(2026, 12, 1),
    actions=(NoticeAction("confirm", "Klart", "42"),),
)


async def test_a_notice_reaches_an_installed_channel_and_is_updated_in_place(
    teams_bot: TeamsBotServer,
) -> None:
    await teams_bot.send(install_activity(teams_bot.connector.url, id="install-3"))
    channel = Recipient("teams", "channel", "19:kundservice@thread.tacv2")

    delivered = await teams_bot.front_end.notifier.send(channel, NOTICE)
    done = Notice(**{**NOTICE.__dict__, "text": "Kvitterad av Anna.", "actions": ()})
    await teams_bot.front_end.notifier.update(delivered, done)

    post, update = teams_bot.connector.messages()
    assert post.kind == "send" and post.conversation_id == "19:kundservice@thread.tacv2"
    assert "Kvartalsvis gallring" in card_text(post.card)
    assert action_ids(post.card) == ["routine.confirm"]
    assert update.kind == "update" and update.activity_id == delivered.message_id
    assert "Kvitterad av Anna." in card_text(update.card)


async def test_a_notice_to_someone_seen_in_a_channel_opens_a_personal_chat_once(
    teams_bot: TeamsBotServer,
) -> None:
    await teams_bot.send(channel_activity(teams_bot.connector.url, id=teams_bot.next_id()))
    teams_bot.connector.clear()
    anna = Recipient("teams", "person", "aad-anna")

    first = await teams_bot.front_end.notifier.send(anna, NOTICE)
    second = await teams_bot.front_end.notifier.send(anna, NOTICE)

    create = only(teams_bot.connector.of_kind("create"))
    assert create.body["members"] == [{"id": "29:anna"}]
    assert create.body["channelData"] == {"tenant": {"id": "tenant-1"}}
    assert first.conversation_id.startswith("a:personal")
    assert second.conversation_id == first.conversation_id
    assert [call.conversation_id for call in teams_bot.connector.of_kind("send")] == [
        first.conversation_id,
        first.conversation_id,
    ]


async def test_a_notice_refused_as_forbidden_is_a_permanent_delivery_error(
    teams_bot: TeamsBotServer,
) -> None:
    await teams_bot.send(install_activity(teams_bot.connector.url, id="install-5"))
    teams_bot.connector.fail_with = 403  # what Teams answers once the bot was removed
    channel = Recipient("teams", "channel", "19:kundservice@thread.tacv2")
    with pytest.raises(DeliveryError) as raised:
        await teams_bot.front_end.notifier.send(channel, NOTICE)
    assert not raised.value.retryable


ANNA_MEMBER = {"id": "29:anna", "aadObjectId": "aad-anna", "email": "Anna@Example.se"}


async def test_a_notice_addressed_by_e_mail_reaches_someone_who_installed_the_bot(
    teams_bot: TeamsBotServer,
) -> None:
    teams_bot.connector.members["29:anna"] = ANNA_MEMBER
    install = message_activity(
        teams_bot.connector.url, id="install-6", type="conversationUpdate", text=None
    )
    install["membersAdded"] = [install["recipient"]]
    await teams_bot.send(install)
    teams_bot.connector.clear()

    delivered = await teams_bot.front_end.notifier.send(
        Recipient("teams", "person", "anna@example.se"), NOTICE
    )

    post = only(teams_bot.connector.calls)
    assert post.kind == "send" and post.conversation_id == "a:anna-personal"
    assert delivered.conversation_id == "a:anna-personal"


async def test_a_notice_addressed_by_e_mail_reaches_someone_seen_in_a_channel(
    teams_bot: TeamsBotServer,
) -> None:
    teams_bot.connector.members["29:anna"] = ANNA_MEMBER
    await teams_bot.send(channel_activity(teams_bot.connector.url, id=teams_bot.next_id()))
    teams_bot.connector.clear()

    await teams_bot.front_end.notifier.send(Recipient("teams", "person", "anna@example.se"), NOTICE)

    assert [call.kind for call in teams_bot.connector.calls] == ["create", "send"]


async def test_a_notice_to_someone_never_seen_is_a_permanent_delivery_error(
    teams_bot: TeamsBotServer,
) -> None:
    with pytest.raises(DeliveryError) as raised:
        await teams_bot.front_end.notifier.send(Recipient("teams", "person", "nobody@x.se"), NOTICE)
    assert not raised.value.retryable
    assert teams_bot.connector.calls == []


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{not json", 400),
        (b"\xff\xfe\x00garbage", 400),
        (b"[1, 2, 3]", 400),
        (b'{"text": "no type"}', 400),
        (b'{"type": "message", "text": "no service url"}', 400),
    ],
    ids=["malformed", "invalid-utf8", "not-an-object", "no-type", "no-service-url"],
)
async def test_malformed_requests_get_400(
    teams_bot: TeamsBotServer, raw: bytes, status: int
) -> None:
    assert (await teams_bot.post(None, raw=raw))[0] == status
    assert teams_bot.connector.calls == []


async def test_a_body_that_does_not_fit_the_schema_gets_400(teams_bot: TeamsBotServer) -> None:
    activity = message_activity(teams_bot.connector.url, **{"from": "not an account"})
    assert (await teams_bot.post(activity))[0] == 400


async def test_a_non_json_content_type_gets_415(teams_bot: TeamsBotServer) -> None:
    status, _ = await teams_bot.post(
        None, raw=b"type=message", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 415


async def test_unknown_activity_types_are_ignored(teams_bot: TeamsBotServer) -> None:
    for kind in ("typing", "messageReaction", "somethingNew"):
        activity = message_activity(teams_bot.connector.url, id=teams_bot.next_id(), type=kind)
        assert await teams_bot.send(activity) == []


async def test_a_message_without_sender_or_conversation_is_ignored(
    teams_bot: TeamsBotServer,
) -> None:
    activity = message_activity(teams_bot.connector.url, id="x")
    del activity["from"]
    assert await teams_bot.send(activity) == []


async def test_a_40000_character_message_is_answered_not_crashed_on(
    teams_bot: TeamsBotServer,
) -> None:
    reply = only(await teams_bot.say("samtal " * 5715))
    assert reply.kind == "reply"


@pytest.mark.parametrize(
    ("value", "status"),
    [({"action": {"type": "Action.Execute", "verb": "x", "data": {}}}, 501), (None, 400)],
    ids=["execute", "no-value"],
)
async def test_an_invoke_the_bot_does_not_handle_is_refused_without_a_crash(
    teams_bot: TeamsBotServer, value: dict[str, Any] | None, status: int
) -> None:
    invoke = message_activity(
        teams_bot.connector.url, id="invoke-1", type="invoke", name="adaptiveCard/action", text=None
    )
    invoke["value"] = value
    assert (await teams_bot.post(invoke))[0] == status
    assert teams_bot.connector.calls == []


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "conversationUpdate"},
        {"type": "conversationUpdate", "membersAdded": "everyone"},
        {"type": "conversationUpdate", "membersRemoved": [{"id": "29:someone"}]},
        {"type": "installationUpdate"},
        {"type": "event", "name": "application/vnd.microsoft.meetingStart"},
        {"type": "messageReaction", "reactionsAdded": [{"type": "like"}]},
        {"type": "endOfConversation"},
        {"type": "message", "text": None, "attachments": [{"contentType": "image/png"}]},
        {"type": "message", "text": None, "value": "not a mapping"},
        {"type": "message", "text": None, "value": {"action_id": ["a", "list"]}},
        {"type": "message", "text": "\u0000\u202e<at></at>&amp;"},
    ],
    ids=lambda fields: "-".join(str(v)[:12] for v in fields.values()),
)
async def test_odd_but_wellformed_activities_never_get_a_server_error(
    teams_bot: TeamsBotServer, fields: dict[str, Any]
) -> None:
    activity = message_activity(teams_bot.connector.url, id=teams_bot.next_id(), **fields)
    status, _ = await teams_bot.post(activity)
    assert status < 500


async def test_a_connector_that_refuses_the_reply_is_logged_not_crashed_on(
    teams_bot: TeamsBotServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.teams")
    teams_bot.connector.fail_with = 403
    status, _ = await teams_bot.post(
        message_activity(teams_bot.connector.url, id="lost-1", text="hjälp")
    )
    assert status == 200
    assert any(record.getMessage() == "teams turn failed" for record in caplog.records)
