"""Install events and proactive messages: where the bot may post later, and posting there.

Routine notices reach channels the bot was installed in and people who installed it or
were seen in a channel (the bot opens a 1:1 chat with them), by AAD id or e-mail.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.records.references import find_reference
from routines.ports import DeliveryError, Notice, NoticeAction, Recipient
from storage.sessions import transaction
from tests.bot.platforms.teams.fixtures import (
    BOT_ACCOUNT,
    TeamsBotServer,
    action_ids,
    card_text,
    channel_activity,
    install_activity,
    message_activity,
    only,
)


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


@pytest.mark.parametrize(
    ("status", "retryable"), [(401, False), (403, False), (404, False), (429, True), (500, True)]
)
async def test_a_notice_the_connector_refuses_is_retried_only_when_it_may_heal(
    teams_bot: TeamsBotServer, status: int, retryable: bool
) -> None:
    await teams_bot.send(install_activity(teams_bot.connector.url, id="install-6"))
    teams_bot.connector.fail_with = status
    channel = Recipient("teams", "channel", "19:kundservice@thread.tacv2")
    with pytest.raises(DeliveryError) as raised:
        await teams_bot.front_end.notifier.send(channel, NOTICE)
    assert raised.value.retryable is retryable
    assert f"HTTP {status}" in str(raised.value)


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


async def test_a_notice_to_a_channel_the_app_was_never_added_to_names_the_problem(
    teams_bot: TeamsBotServer,
) -> None:
    channel = Recipient("teams", "channel", "19:never-installed@thread.tacv2")

    with pytest.raises(DeliveryError) as raised:
        await teams_bot.front_end.notifier.send(channel, NOTICE)

    assert raised.value.problem == "not_installed"  # handled like Slack's not_in_channel
    assert not raised.value.retryable
    assert teams_bot.connector.calls == []
