"""The Teams endpoint over real HTTP: Activities in, cards out through the fake connector."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.chat.commands import Command
from bot.chat.conversation import ACTION_FEEDBACK_UP
from bot.chat.i18n import add_strings
from bot.chat.messages import Incoming, Reply
from bot.records.questions import QuestionRecord
from storage.sessions import transaction
from tests.bot.conftest import DPO
from tests.bot.platforms.teams.fixtures import (
    TeamsBotServer,
    action_ids,
    card_text,
    channel_activity,
    message_activity,
    only,
)

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
        votes = session.execute(select(QuestionRecord.up_votes, QuestionRecord.down_votes)).all()
    assert [tuple(v) for v in votes] == [(1, 0)]


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

    name = "demo"
    action_prefixes: tuple[str, ...] = ("demo.",)

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
    assert card_text(update.card) == "Kvitterad: Klart i tid"  # a card stays a card


add_strings({"sv": {"test.whoami": "- `whoami`"}, "en": {"test.whoami": "- `whoami`"}})
WHOAMI = Command("whoami", "whoami", {"whoami": None}, "test.whoami")


class _WhoAmI:
    """A stand-in chat feature that says which e-mail address the bot knows for the asker."""

    name = "whoami"
    action_prefixes: tuple[str, ...] = ()

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        return [Reply(text=incoming.email or "unknown")]

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        return []


async def test_the_senders_e_mail_is_asked_of_teams_once(teams_bot: TeamsBotServer) -> None:
    teams_bot.services.add_feature(_WhoAmI(), commands=[WHOAMI])
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
    teams_bot.services.add_feature(_WhoAmI(), commands=[WHOAMI])
    reply = only(await teams_bot.say("whoami"))
    assert reply.activity["text"] == "unknown"


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


@pytest.mark.parametrize(
    "sender",
    [
        {"id": "28:gdpr-bot", "name": "GDPR-boten"},  # the bot's own account (recipient)
        {"id": "28:another-bot", "name": "Flow", "role": "bot"},  # any bot
    ],
)
async def test_a_message_from_a_bot_is_not_answered(
    teams_bot: TeamsBotServer, sender: dict[str, str]
) -> None:
    activity = message_activity(teams_bot.connector.url, id=teams_bot.next_id(), **{"from": sender})
    assert await teams_bot.send(activity) == []
    assert await teams_bot.say("help")  # the person is still answered


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


async def test_a_connector_that_refuses_the_reply_is_logged_in_one_line_not_crashed_on(
    teams_bot: TeamsBotServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.platforms.teams")
    teams_bot.connector.fail_with = 403
    status, _ = await teams_bot.post(
        message_activity(teams_bot.connector.url, id="lost-1", text="hjälp")
    )
    assert status == 200
    [failed] = [record for record in caplog.records if "teams re" in record.getMessage()]
    assert failed.getMessage() == "teams reply failed" and failed.status == 403  # type: ignore[attr-defined]
    assert failed.exc_info is None  # no traceback: the connector's words can name chats
