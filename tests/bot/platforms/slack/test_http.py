"""Slack in HTTP mode: signed requests to the bot's real /slack/events, replies at the fake."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.chat.commands import Command
from bot.chat.i18n import add_strings
from bot.chat.messages import ConversationRef, Incoming, Reply
from bot.records.events import HandledEvent
from bot.records.inbox import InboxRow
from bot.records.questions import QuestionRecord
from testing.slack_api import BOT_ID, BOT_USER_ID, TEAM_ID, FakeSlackApi
from testing.slack_payloads import (
    CHANNEL,
    DM_CHANNEL,
    USER,
    block_action,
    dm,
    home_opened,
    mention,
    new_event_id,
    slash_command,
)
from tests.bot.conftest import BOT_TOKEN, RunningBot


async def test_direct_message_is_answered_with_the_article_title(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    response = await running_bot.post_slack(dm("hur länge sparar vi samtalsinspelningar?"))

    assert response.status == 200
    [post] = await fake_slack.wait_for("chat.postMessage")
    assert post.params["channel"] == DM_CHANNEL
    assert post.token == BOT_TOKEN
    assert "Hur länge sparar vi samtalsinspelningar?" in post.blocks_text
    assert "Kundtjänstchef" in post.blocks_text
    assert "2026-09-01" in post.blocks_text


async def test_answer_carries_feedback_buttons_with_the_question_id(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await running_bot.post_slack(dm("how long do we keep call recordings?"))

    [post] = await fake_slack.wait_for("chat.postMessage")
    [up] = post.action_values("answer.up")
    assert post.action_values("answer.down") == [up]
    assert int(up) > 0


async def test_mention_is_answered_in_a_thread(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await running_bot.post_slack(mention("what is a personal data breach?", ts="1700000005.000100"))

    [post] = await fake_slack.wait_for("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    assert post.params["thread_ts"] == "1700000005.000100"
    assert "What do I do about a personal data breach?" in post.blocks_text


async def test_slash_command_answers_privately_through_the_response_url(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    body = slash_command("hur länge sparar vi samtalsinspelningar", fake_slack.response_url())

    response = await running_bot.post_slack(body)

    assert response.status == 200
    [hook] = await fake_slack.wait_for("response_url")
    assert hook.params["response_type"] == "ephemeral"
    assert "Hur länge sparar vi samtalsinspelningar?" in hook.blocks_text


async def test_slash_command_help_in_swedish(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await running_bot.post_slack(slash_command("hjälp", fake_slack.response_url()))

    [hook] = await fake_slack.wait_for("response_url")
    assert "Det här kan jag" in hook.blocks_text


async def test_help_in_english(running_bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    await running_bot.post_slack(dm("help"))

    [post] = await fake_slack.wait_for("chat.postMessage")
    assert "What I can do" in post.blocks_text


async def test_unanswerable_question_falls_back_to_the_dpo(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await running_bot.post_slack(dm("vad kostar en banan på månen?"))

    [post] = await fake_slack.wait_for("chat.postMessage")
    assert "dpo@example.test" in post.blocks_text
    assert not any(b["type"] == "context" for b in post.blocks)


async def test_feedback_double_click_is_recorded_once(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await running_bot.post_slack(dm("how long do we keep call recordings?"))
    [post] = await fake_slack.wait_for("chat.postMessage")
    [question_id] = post.action_values("answer.up")
    click = block_action("answer.up", question_id, fake_slack.response_url("action"))

    first = await running_bot.post_slack(click)
    second = await running_bot.post_slack(click)

    assert (first.status, second.status) == (200, 200)
    await fake_slack.wait_for("chat.postMessage", 2)  # the one "thanks"
    await asyncio.sleep(0.2)  # give a wrongly-processed second click time to show up
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    with running_bot.services.sessions() as session:
        record = session.scalars(select(QuestionRecord)).one()
    assert (record.up_votes, record.down_votes) == (1, 0)


async def until_inbox_is_empty(bot: RunningBot, timeout: float = 10.0) -> None:
    """Wait until every acknowledged Slack payload has been processed (the durable inbox
    deletes a row when its work is done)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with bot.services.sessions() as session:
            if not session.scalar(select(func.count()).select_from(InboxRow)):
                return
        assert asyncio.get_running_loop().time() < deadline, "the inbox was not drained"
        await asyncio.sleep(0.02)


async def test_votes_count_once_per_person_per_answer_and_who_voted_is_not_kept(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await running_bot.post_slack(mention("what is a personal data breach?", ts="1700000006.000100"))
    [post] = await fake_slack.wait_for("chat.postMessage")
    [question_id] = post.action_values("answer.up")

    def vote(action: str, user: str) -> str:  # a separate click each time (its own action_ts)
        return block_action(action, question_id, fake_slack.response_url(user), user=user,
                            channel=CHANNEL)  # fmt: skip

    thanked = len(fake_slack.calls)
    await running_bot.post_slack(vote("answer.up", "UANNA"))
    await fake_slack.wait_until(lambda: len(fake_slack.calls) > thanked, "thanks")
    await running_bot.post_slack(vote("answer.up", "UANNA"))  # Anna again: changes nothing
    await running_bot.post_slack(vote("answer.down", "UANNA"))  # nor does changing her mind
    await running_bot.post_slack(vote("answer.down", "UEVE"))  # someone else: counts
    await running_bot.post_slack(vote("answer.up", "UBO"))
    await until_inbox_is_empty(running_bot)

    with running_bot.services.sessions() as session:
        record = session.scalars(select(QuestionRecord)).one()
        stored = json.dumps(
            [list(row) for row in session.execute(select(HandledEvent.__table__)).all()]
            + [[record.text, record.person_key]],
            default=str,
        )
    assert (record.up_votes, record.down_votes) == (2, 1)
    assert record.person_key is None
    assert not any(user in stored for user in ("UANNA", "UEVE", "UBO")), stored


async def test_an_e_mail_address_slack_auto_linked_is_not_kept_in_the_question_log(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    # Slack sends a typed address as <mailto:…|…>; the question log keeps questions only.
    typed = "<mailto:anna.svensson@example.se|anna.svensson@example.se> vill bli raderad, hur?"

    await running_bot.post_slack(dm(typed))
    await fake_slack.wait_for("chat.postMessage")
    await until_inbox_is_empty(running_bot)

    with running_bot.services.sessions() as session:
        [logged] = session.scalars(select(QuestionRecord.text)).all()
    assert "anna.svensson" not in logged
    assert logged.startswith("[e-mail] vill bli raderad")


async def test_retried_event_gets_exactly_one_reply(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    event = dm("hur länge sparar vi samtalsinspelningar?", event_id=new_event_id())

    await running_bot.post_slack(event)
    retry = await running_bot.post_slack(
        event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )

    assert retry.status == 200
    await fake_slack.wait_for("chat.postMessage")
    await asyncio.sleep(0.3)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_the_bots_own_messages_are_ignored(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    own = dm("Samtalsinspelningar sparas i 90 dagar", user=BOT_USER_ID, bot_id=BOT_ID)

    response = await running_bot.post_slack(own)
    await running_bot.post_slack(dm("help"))

    assert response.status == 200
    [post] = await fake_slack.wait_for("chat.postMessage")
    assert "What I can do" in post.blocks_text


async def test_bad_signature_is_rejected(running_bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    body = json.dumps(dm("help"))
    headers = running_bot.signer.headers(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64

    response = await running_bot.post_slack(body, headers=headers, sign=False)

    assert response.status == 401
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_stale_timestamp_is_rejected(running_bot: RunningBot) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60

    response = await running_bot.post_slack(dm("help"), timestamp=six_minutes_ago)

    assert response.status == 401


async def test_unsigned_request_is_rejected(running_bot: RunningBot) -> None:
    response = await running_bot.post_slack(dm("help"), sign=False)

    assert response.status == 401


async def test_malformed_json_is_a_client_error(running_bot: RunningBot) -> None:
    response = await running_bot.post_slack('{"type": "event_callback", "event": ')

    assert 400 <= response.status < 500


async def test_json_that_is_not_an_object_is_a_client_error(running_bot: RunningBot) -> None:
    response = await running_bot.post_slack('["not", "an", "event"]')

    assert 400 <= response.status < 500


async def test_invalid_utf8_is_a_client_error(running_bot: RunningBot) -> None:
    response = await running_bot.post_slack(b'{"type": "event_callback", "x": "\xff\xfe"}')

    assert response.status == 400


async def test_unknown_event_type_is_acknowledged_and_ignored(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    unknown = dm("x")
    unknown["event"] = {"type": "reaction_added", "user": USER, "reaction": "thumbsup"}

    response = await running_bot.post_slack(unknown)
    await running_bot.post_slack(dm("help"))

    assert response.status == 200
    [post] = await fake_slack.wait_for("chat.postMessage")
    assert "What I can do" in post.blocks_text


async def test_slack_saying_it_drops_our_events_is_acknowledged_and_logged(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    # Sent to the events URL when the app gets more than Slack's hourly event limit.
    notice = {"token": "unused", "type": "app_rate_limited", "team_id": TEAM_ID,
              "minute_rate_limited": 1518467820, "api_app_id": "A0000APP"}  # fmt: skip

    with caplog.at_level(logging.WARNING):
        response = await running_bot.post_slack(notice)

    assert response.status == 200
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "app_rate_limited" in warning.getMessage()
    assert TEAM_ID not in warning.getMessage() and "\n" not in warning.getMessage()


async def test_a_40000_character_message_is_answered_without_crashing(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    response = await running_bot.post_slack(dm("samtalsinspelningar " * 2000))

    assert response.status == 200
    [post] = await fake_slack.wait_for("chat.postMessage")
    assert post.blocks


async def test_server_keeps_serving_after_bad_input(running_bot: RunningBot) -> None:
    await running_bot.post_slack(b"\xff\xff")
    await running_bot.post_slack("{")

    async with running_bot.http.get(f"{running_bot.url}/healthz") as response:
        assert response.status == 200


async def test_rate_limited_post_is_retried_after_retry_after(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await running_bot.post_slack(dm("help"))  # warms up auth.test
    await fake_slack.wait_for("chat.postMessage")
    fake_slack.rate_limit(1, retry_after=1)

    await running_bot.post_slack(dm("hjälp"))

    [_, second] = await fake_slack.wait_for("chat.postMessage", 2)
    [limited] = [c for c in fake_slack.calls if c.status == 429]
    assert limited.method == "chat.postMessage"
    assert second.at - limited.at >= 1.0


async def test_app_home_is_published_with_help_and_routines(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await running_bot.post_slack(home_opened())

    [publish] = await fake_slack.wait_for("views.publish")
    assert publish.params["user_id"] == USER
    view = json.dumps(publish.params["view"], ensure_ascii=False)
    assert '"type": "home"' in view
    assert "Det här kan jag" in view
    routines = await running_bot.services.conversation.handle(
        Incoming(
            platform="slack",
            user_id=USER,
            text="rutiner",
            conversation=ConversationRef("slack", DM_CHANNEL),
            is_direct=True,
        )
    )
    assert json.dumps(routines[0].text, ensure_ascii=False)[1:-1] in view


add_strings({"sv": {"test.whoami": "- `whoami`"}, "en": {"test.whoami": "- `whoami`"}})
WHOAMI = Command("whoami", "whoami", {"whoami": None}, "test.whoami")


class WhoAsked:
    """A feature that remembers who sent `whoami` (as the routines feature would)."""

    name = "whoami"
    action_prefixes: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.seen: list[tuple[str | None, str | None]] = []

    async def on_command(self, command: str, args: str, incoming: Any, lang: str) -> list[Reply]:
        self.seen.append((incoming.display_name, incoming.email))
        return [Reply(text="ok")]

    async def on_action(self, incoming: Any, lang: str) -> list[Reply]:
        return []


async def test_features_learn_the_senders_name_and_email_once_per_user(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    fake_slack.users[USER] = {
        "id": USER,
        "name": "anna",
        "profile": {"display_name": "Anna A", "email": "anna@example.test"},
    }
    feature = WhoAsked()
    running_bot.services.add_feature(feature, commands=[WHOAMI])

    await running_bot.post_slack(dm("whoami"))
    await fake_slack.wait_for("chat.postMessage")
    await running_bot.post_slack(dm("whoami"))
    await fake_slack.wait_for("chat.postMessage", 2)

    assert feature.seen == [("Anna A", "anna@example.test")] * 2
    assert len(fake_slack.calls_to("users.info")) == 1


class Confirms:
    """A feature like routines: its button replaces the message it sat on."""

    name = "confirms"
    action_prefixes = ("test.",)

    async def on_command(self, command: str, args: str, incoming: Any, lang: str) -> list[Reply]:
        return []

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        assert incoming.action is not None
        return [Reply(text="Kvitterad ✅", replaces=incoming.action.message_id)]


async def test_button_on_a_message_updates_that_message(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    running_bot.services.add_feature(Confirms())

    await running_bot.post_slack(
        block_action("test.confirm", "12", fake_slack.response_url(), channel=CHANNEL)
    )

    [update] = await fake_slack.wait_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, "1700000002.000100")
    assert "Kvitterad" in update.blocks_text


async def test_button_on_an_ephemeral_message_replaces_it_through_the_response_url(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    running_bot.services.add_feature(Confirms())
    click = block_action(
        "test.confirm", "12", fake_slack.response_url("eph"), channel=CHANNEL, ephemeral=True
    )

    await running_bot.post_slack(click)

    [hook] = await fake_slack.wait_for("response_url")
    assert hook.params["replace_original"] is True
    assert "Kvitterad" in hook.blocks_text
    assert fake_slack.calls_to("chat.update") == []


async def test_shutdown_finishes_replies_already_acknowledged(
    running_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await running_bot.post_slack(dm("hur länge sparar vi samtalsinspelningar?"))
    assert running_bot.services.slack is not None

    await running_bot.services.slack.close()

    assert len(fake_slack.calls_to("chat.postMessage")) == 1
