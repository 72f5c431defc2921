"""Teams translation: Activity dicts to `Incoming`, replies and notices to Adaptive Cards."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.chat.messages import AnswerCard, Attachment, Button, Reply
from bot.platforms.teams.activities import (
    bot_was_added,
    clean_text,
    incoming_from_activity,
    reference_from_activity,
)
from bot.platforms.teams.cards import (
    CARD_CONTENT_TYPE,
    activity_from_notice,
    activity_from_reply,
    to_teams_markdown,
)
from routines.ports import Notice, NoticeAction
from tests.bot.platforms.teams.fixtures import BOT_ACCOUNT, channel_activity, message_activity

SERVICE_URL = "https://smba.example/emea/"


def message(**overrides: Any) -> dict[str, Any]:
    return message_activity(SERVICE_URL, **overrides)


def channel_message(**overrides: Any) -> dict[str, Any]:
    return channel_activity(SERVICE_URL, **overrides)


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == CARD_CONTENT_TYPE
    content: dict[str, Any] = attachment["content"]
    return content


# --- incoming ------------------------------------------------------------------------------


def test_personal_message_becomes_a_direct_incoming_keyed_by_aad_id() -> None:
    incoming = incoming_from_activity(message())
    assert incoming is not None
    assert incoming.platform == "teams"
    assert incoming.user_id == "aad-anna"
    assert incoming.is_direct
    assert incoming.text == "Hur länge sparar vi samtalsinspelningar?"
    assert incoming.conversation.conversation_id == "a:anna-personal"
    assert incoming.action is None


def test_channel_mention_is_stripped_and_not_direct() -> None:
    incoming = incoming_from_activity(channel_message())
    assert incoming is not None
    assert incoming.text == "hur länge sparar vi samtalsinspelningar?"
    assert not incoming.is_direct
    assert incoming.thread == "1699"


def test_html_and_entities_are_reduced_to_plain_words() -> None:
    assert clean_text("<p>Vad&nbsp;är <b>GDPR</b>?</p>") == "Vad är GDPR ?"


def test_a_quoted_message_is_not_part_of_the_words() -> None:
    quote = (
        '<blockquote itemscope="" itemtype="http://schema.skype.com/Reply" itemid="17">'
        '<strong itemprop="mri" itemid="8:orgid:bo">Bo</strong><span itemprop="time"></span>'
        '<p itemprop="preview">Kalle vill bli raderad</p></blockquote>\r\n'
    )
    assert clean_text(quote + "<p>Hur gör vi?</p>") == "Hur gör vi?"


def test_card_submit_becomes_an_action_on_the_card_it_came_from() -> None:
    submit = message(
        text=None,
        replyToId="card-activity-7",
        value={"action_id": "routine.na", "value": "42", "reason": "Ingen kunddata här"},
    )
    incoming = incoming_from_activity(submit)
    assert incoming is not None and incoming.action is not None
    assert incoming.action.action_id == "routine.na"
    assert incoming.action.value == "42"
    assert incoming.action.inputs == {"reason": "Ingen kunddata här"}
    assert incoming.action.message_id == "card-activity-7"
    assert incoming.text == ""


def test_event_ids_of_the_same_activity_match_and_differ_across_conversations() -> None:
    first = incoming_from_activity(message())
    again = incoming_from_activity(message())
    elsewhere = incoming_from_activity(
        message(conversation={"id": "a:other", "conversationType": "personal"})
    )
    assert first and again and elsewhere
    assert first.event_id == again.event_id != elsewhere.event_id


@pytest.mark.parametrize(
    "activity",
    [
        message(type="typing"),
        message(text="<at>GDPR-boten</at> "),
        message(text=None, value={"no_action_id": True}),
        message(**{"from": "not an account"}),
        message(conversation=None),
        {"type": "message"},
    ],
    ids=["typing", "bare-mention", "submit-without-action", "bad-from", "no-conversation", "empty"],
)
def test_activities_without_anything_to_act_on_are_none(activity: dict[str, Any]) -> None:
    assert incoming_from_activity(activity) is None


def test_very_long_text_is_cut_rather_than_refused() -> None:
    incoming = incoming_from_activity(message(text="a" * 100_000))
    assert incoming is not None
    assert len(incoming.text) == 40_000


def test_stored_reference_carries_no_names_and_no_activity_id() -> None:
    reference = reference_from_activity(message())
    assert reference["user"] == {"id": "29:anna", "aadObjectId": "aad-anna"}
    assert "Anna" not in str(reference)
    assert "activityId" not in reference
    assert reference["conversation"]["tenantId"] == "tenant-1"
    assert reference["serviceUrl"] == "https://smba.example/emea/"


def test_install_is_recognised_only_when_the_bot_itself_is_added() -> None:
    added_bot = message(type="conversationUpdate", membersAdded=[BOT_ACCOUNT])
    added_someone = message(type="conversationUpdate", membersAdded=[{"id": "29:new-colleague"}])
    assert bot_was_added(added_bot)
    assert not bot_was_added(added_someone)
    assert bot_was_added(message(type="installationUpdate", action="add"))
    assert not bot_was_added(message(type="installationUpdate", action="remove"))


# --- replies -------------------------------------------------------------------------------

ANSWER = Reply(
    text="Inspelade samtal sparas i *högst 90 dagar*.",
    card=AnswerCard(
        article_id="call-recordings",
        title="Lagring av samtalsinspelningar",
        owner="Kundservice",
        reviewed="2026-03-01",
        gdpr=("art. 5.1 e",),
        lang="sv",
    ),
    buttons=(Button("answer.up", "👍", "17"), Button("answer.down", "👎", "17")),
)


def test_plain_reply_is_markdown_text_without_a_card() -> None:
    activity = activity_from_reply(Reply(text="*Det här kan jag*\n- `hjälp`"))
    assert activity["text"] == "**Det här kan jag**\n- `hjälp`"
    assert activity["textFormat"] == "markdown"
    assert "attachments" not in activity


def test_answer_card_shows_text_source_facts_and_feedback_buttons() -> None:
    card = card_of(activity_from_reply(ANSWER))
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == "Inspelade samtal sparas i **högst 90 dagar**."
    facts = {fact["title"]: fact["value"] for fact in card["body"][1]["facts"]}
    assert facts == {
        "Källa": "Lagring av samtalsinspelningar",
        "Ansvarig": "Kundservice",
        "Granskad": "2026-03-01",
        "GDPR": "art. 5.1 e",
    }
    assert [action["data"] for action in card["actions"]] == [
        {"action_id": "answer.up", "value": "17"},
        {"action_id": "answer.down", "value": "17"},
    ]
    assert all(action["type"] == "Action.Submit" for action in card["actions"])


def test_english_card_has_english_labels() -> None:
    english = Reply(
        text="Up to 90 days.",
        card=AnswerCard("x", "Call recordings", "CS", "2026-03-01", lang="en"),
    )
    facts = card_of(activity_from_reply(english))["body"][1]["facts"]
    assert [fact["title"] for fact in facts] == ["Source", "Owner", "Reviewed"]


def test_link_reply_becomes_an_open_url_button() -> None:
    reply = Reply(
        text="Rapporten är klar.",
        attachment=Attachment("adherence.csv", b"a,b\n", "text/csv", title="Efterlevnad Q1"),
        link="https://bot.example/reports/abc",
    )
    (action,) = card_of(activity_from_reply(reply))["actions"]
    assert action == {
        "type": "Action.OpenUrl",
        "title": "Efterlevnad Q1",
        "url": "https://bot.example/reports/abc",
    }


def test_not_applicable_button_asks_for_a_required_reason() -> None:
    reply = Reply(text="Kvartalsgenomgång", buttons=(Button("routine.na", "Ej tillämplig", "42"),))
    (action,) = card_of(activity_from_reply(reply))["actions"]
    assert action["type"] == "Action.ShowCard"
    (field,) = action["card"]["body"]
    assert field["type"] == "Input.Text" and field["id"] == "reason" and field["isRequired"]
    (submit,) = action["card"]["actions"]
    assert submit["data"] == {"action_id": "routine.na", "value": "42"}


def test_slack_style_links_become_markdown_links() -> None:
    assert to_teams_markdown("Se <https://imy.se|IMY>") == "Se [IMY](https://imy.se)"


def test_notice_card_has_title_due_date_and_routine_buttons() -> None:
    notice = Notice(
        kind="posted",
        routine_id="retention-review",
        title="Kvartalsvis gallring",
        text="Gå igenom lagrade samtal och radera det som är äldre än 90 dagar.",
        due_date=date(2026, 12, 1),
        gdpr=("art. 5.1 e",),
        occurrence_id=42,
        actions=(
            NoticeAction("confirm", "Klart", "42"),
            NoticeAction("not_applicable", "Ej tillämplig", "42"),
            NoticeAction("note", "Lägg till anteckning", "42"),
        ),
    )
    card = card_of(activity_from_notice(notice))
    assert card["body"][0]["text"] == "Kvartalsvis gallring"
    facts = {fact["title"]: fact["value"] for fact in card["body"][2]["facts"]}
    assert facts == {"Förfaller": "2026-12-01", "GDPR": "art. 5.1 e"}
    confirm, not_applicable, note = card["actions"]
    assert confirm["data"] == {"action_id": "routine.confirm", "value": "42"}
    assert confirm["style"] == "positive"
    assert not_applicable["card"]["body"][0]["id"] == "reason"
    assert note["card"]["body"][0]["id"] == "note"
    assert not note["card"]["body"][0]["isRequired"]
