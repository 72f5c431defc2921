"""The pure Slack translations: payload dicts in, `Incoming` out; replies and notices to blocks."""

from __future__ import annotations

from datetime import date

import pytest

from bot.chat.messages import AnswerCard, Attachment, Button, Reply
from bot.platforms.slack import translate
from routines.ports import ACTION_CONFIRM, ACTION_NOT_APPLICABLE, Notice, NoticeAction
from testing.slack_payloads import CHANNEL, DM_CHANNEL, USER, dm, home_opened, mention

CARD = AnswerCard(
    article_id="call-recordings",
    title="Hur länge sparar vi samtalsinspelningar?",
    owner="Kundtjänstchef",
    reviewed="2026-09-01",
    gdpr=("5(1)(e)",),
    lang="sv",
)


def test_direct_message_becomes_a_direct_incoming() -> None:
    payload = dm("hej &amp; välkommen", event_id="Ev1")

    incoming = translate.message_to_incoming(payload["event"], event_id="Ev1")

    assert incoming is not None
    assert (incoming.platform, incoming.user_id, incoming.is_direct) == ("slack", USER, True)
    assert incoming.text == "hej & välkommen"
    assert incoming.conversation.conversation_id == DM_CHANNEL
    assert incoming.thread is None
    assert incoming.event_id == "Ev1"


def test_mention_loses_the_bot_mention_and_threads_under_the_message() -> None:
    event = mention("hjälp", ts="1700000009.000100")["event"]

    incoming = translate.message_to_incoming(event)

    assert incoming is not None
    assert incoming.text == "hjälp"
    assert incoming.is_direct is False
    assert incoming.conversation.conversation_id == CHANNEL
    assert incoming.thread == "1700000009.000100"


@pytest.mark.parametrize(
    ("sent", "seen"),
    [  # Slack wraps what it auto-links; the person typed (and sees) the label
        (
            "<mailto:anna@example.se|anna@example.se> vill bli raderad",
            "anna@example.se vill bli raderad",
        ),
        ("ring <tel:+46701234567|070-123 45 67>", "ring 070-123 45 67"),
        ("se <https://intra.example/policy|policyn>", "se policyn"),
        ("se <https://intra.example/policy>", "se https://intra.example/policy"),
        ("fråga i <#C0123|kundtjanst>", "fråga i #kundtjanst"),
        ("<!here> hur länge?", "@here hur länge?"),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
    ],
)
def test_slack_link_markup_becomes_the_words_the_person_sees(sent: str, seen: str) -> None:
    incoming = translate.message_to_incoming(dm(sent)["event"])

    assert incoming is not None
    assert incoming.text == seen


def test_mention_inside_a_thread_replies_in_that_thread() -> None:
    event = {**mention("hjälp")["event"], "thread_ts": "1700000000.000001"}

    incoming = translate.message_to_incoming(event)

    assert incoming is not None and incoming.thread == "1700000000.000001"


def test_bot_messages_are_not_incoming() -> None:
    event = {**dm("an answer")["event"], "bot_id": "B1"}

    assert translate.message_to_incoming(event) is None


def test_a_message_from_the_bots_own_user_is_not_incoming() -> None:
    envelope = {"authorizations": [{"user_id": "UBOT", "is_bot": True}]}
    event = {**dm("")["event"], "user": "UBOT", "subtype": "file_share"}  # no bot_id

    own = translate.bot_user(envelope)

    assert own == "UBOT" and translate.message_to_incoming(event, bot_user=own) is None


def test_edited_messages_are_not_incoming() -> None:
    event = {**dm("x")["event"], "subtype": "message_changed"}

    assert translate.message_to_incoming(event) is None


def test_an_edited_mention_is_not_asked_again() -> None:
    """Slack sends a mention again, with a new event id and an `edited` field, when its
    message is edited: the first one was answered already."""
    edited = {**mention("hjälp")["event"], "edited": {"user": USER, "ts": "1700000100.000000"}}

    assert translate.message_to_incoming(edited) is None


def test_channel_chatter_without_a_mention_is_not_incoming() -> None:
    event = {**dm("x")["event"], "channel_type": "channel", "channel": CHANNEL}

    assert translate.message_to_incoming(event) is None


def test_message_without_text_is_not_incoming() -> None:
    event = {"type": "message", "channel_type": "im", "channel": DM_CHANNEL, "user": USER}

    assert translate.message_to_incoming(event) is None


def test_slash_command_becomes_incoming_with_its_text() -> None:
    body = {"user_id": USER, "channel_id": CHANNEL, "text": "rutiner", "user_name": "anna"}

    incoming = translate.command_to_incoming(body)

    assert incoming is not None
    assert (incoming.text, incoming.user_id, incoming.is_direct) == ("rutiner", USER, False)


def test_button_click_becomes_an_action_on_its_message() -> None:
    body = {
        "type": "block_actions",
        "user": {"id": USER},
        "channel": {"id": CHANNEL},
        "container": {"message_ts": "1700000002.000100", "channel_id": CHANNEL},
        "actions": [{"action_id": ACTION_CONFIRM, "value": "42", "action_ts": "1.2"}],
    }

    incoming = translate.action_to_incoming(body)

    assert incoming is not None and incoming.action is not None
    assert (incoming.action.action_id, incoming.action.value) == (ACTION_CONFIRM, "42")
    assert incoming.action.message_id == "1700000002.000100"


def test_click_without_actions_is_not_incoming() -> None:
    assert translate.action_to_incoming({"type": "block_actions", "user": {"id": USER}}) is None


def test_click_in_the_home_tab_answers_in_the_users_dm() -> None:
    body = {
        "user": {"id": USER},
        "container": {"type": "view", "view_id": "V1"},
        "actions": [{"action_id": "answer.up", "value": "1"}],
    }

    incoming = translate.action_to_incoming(body)

    assert incoming is not None
    assert incoming.conversation.conversation_id == USER and incoming.is_direct


def test_home_opened_names_the_user() -> None:
    incoming = translate.home_to_incoming(home_opened()["event"])

    assert incoming is not None and incoming.user_id == USER


def test_messages_tab_opened_is_not_a_home_request() -> None:
    event = {**home_opened()["event"], "tab": "messages"}

    assert translate.home_to_incoming(event) is None


def test_answer_blocks_have_text_context_line_and_feedback_buttons() -> None:
    reply = Reply(
        text="Samtalsinspelningar sparas i 90 dagar.",
        card=CARD,
        buttons=(Button("answer.up", "👍", "7"), Button("answer.down", "👎", "7")),
    )

    blocks = translate.reply_to_blocks(reply)

    assert [b["type"] for b in blocks] == ["section", "context", "actions"]
    context = blocks[1]["elements"][0]["text"]
    for part in ("Hur länge sparar vi samtalsinspelningar?", "Kundtjänstchef", "2026-09-01"):
        assert part in context
    assert "5(1)(e)" in context
    assert [e["value"] for e in blocks[2]["elements"]] == ["7", "7"]


def test_markdown_links_and_double_stars_become_mrkdwn() -> None:
    assert translate.to_mrkdwn("see [IMY](https://www.imy.se) **now**") == (
        "see <https://www.imy.se|IMY> *now*"
    )


def test_long_text_is_split_into_sections_slack_accepts() -> None:
    reply = Reply(text="\n".join(["rad " * 50] * 100))

    blocks = translate.reply_to_blocks(reply)

    assert len(blocks) > 1
    assert all(len(b["text"]["text"]) <= translate.SECTION_LIMIT for b in blocks)


def test_fallback_text_names_the_article() -> None:
    text = translate.fallback_text(Reply(text="Svar.", card=CARD))

    assert "Svar." in text and CARD.title in text


def test_attachment_does_not_add_blocks() -> None:
    reply = Reply(text="Rapporten", attachment=Attachment("r.csv", b"a,b", "text/csv"))

    assert [b["type"] for b in translate.reply_to_blocks(reply)] == ["section"]


def test_home_view_is_a_home_view_with_a_header() -> None:
    view = translate.home_view([Reply(text="a"), Reply(text="b")], title="GDPR-boten")

    assert view["type"] == "home"
    assert view["blocks"][0]["type"] == "header"
    assert any(b["type"] == "divider" for b in view["blocks"])


def test_notice_blocks_carry_routine_buttons_with_the_occurrence_id() -> None:
    notice = Notice(
        kind="posted",
        routine_id="retention-review",
        title="Kvartalsvis gallringsgenomgång",
        text="Gå igenom ärenden äldre än 90 dagar.",
        occurrence_id=12,
        due_date=date(2026, 12, 1),
        gdpr=("5(1)(e)",),
        actions=(
            NoticeAction("confirm", "Klart", "12"),
            NoticeAction("not_applicable", "Ej aktuellt", "12"),
        ),
    )

    blocks = translate.notice_to_blocks(notice)

    actions = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert [(a["action_id"], a["value"]) for a in actions] == [
        (ACTION_CONFIRM, "12"),
        (ACTION_NOT_APPLICABLE, "12"),
    ]
    assert blocks[0]["text"]["text"] == "Kvartalsvis gallringsgenomgång"
    assert "2026-12-01" in str(blocks)
