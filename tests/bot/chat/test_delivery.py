"""Routine notices delivered per platform: the router, Slack (against the fake), the console."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from bot.chat.delivery import RouterNotifier
from bot.platforms.console.notifier import ConsoleNotifier
from bot.platforms.slack.client import SlackConfig, make_web_client
from bot.platforms.slack.notifier import SlackNotifier
from routines.ports import (
    ACTION_CONFIRM,
    ACTION_NOTE,
    Delivered,
    DeliveryError,
    Notice,
    NoticeAction,
    Recipient,
)
from testing.slack_api import FakeSlackApi

NOTICE = Notice(
    kind="posted",
    routine_id="retention-review",
    title="Kvartalsvis gallringsgenomgång",
    text="Gå igenom och gallra ärenden äldre än 90 dagar.",
    occurrence_id=31,
    due_date=date(2026, 12, 1),
    actions=(NoticeAction("confirm", "Klart", "31"), NoticeAction("note", "Anteckning", "31")),
)
CHANNEL = Recipient(platform="slack", kind="channel", address="C0000TEAM")


def slack_notifier(api: FakeSlackApi, rate_limit_retries: int = 3) -> SlackNotifier:
    settings = SlackConfig(bot_token="xoxb-test", api_url=api.api_url)
    return SlackNotifier(make_web_client(settings, rate_limit_retries=rate_limit_retries))


@pytest.fixture
async def notifier(fake_slack: FakeSlackApi) -> AsyncIterator[SlackNotifier]:
    yield slack_notifier(fake_slack)


async def test_notice_is_posted_with_routine_buttons(
    notifier: SlackNotifier, fake_slack: FakeSlackApi
) -> None:
    delivered = await notifier.send(CHANNEL, NOTICE)

    [post] = fake_slack.calls_to("chat.postMessage")
    assert post.params["channel"] == "C0000TEAM"
    assert post.action_values(ACTION_CONFIRM) == ["31"]
    assert post.action_values(ACTION_NOTE) == ["31"]
    assert delivered.message_id and delivered.conversation_id == "C0000TEAM"


async def test_notice_to_a_person_by_email_goes_to_their_user_id(
    notifier: SlackNotifier, fake_slack: FakeSlackApi
) -> None:
    fake_slack.users["U0000ANNA"] = {"id": "U0000ANNA", "profile": {"email": "anna@example.test"}}

    await notifier.send(Recipient("slack", "person", "anna@example.test"), NOTICE)

    [post] = fake_slack.calls_to("chat.postMessage")
    assert post.params["channel"] == "U0000ANNA"


async def test_unknown_email_is_a_permanent_failure(notifier: SlackNotifier) -> None:
    with pytest.raises(DeliveryError) as failure:
        await notifier.send(Recipient("slack", "person", "nobody@example.test"), NOTICE)

    assert failure.value.retryable is False


async def test_update_rewrites_the_posted_message(
    notifier: SlackNotifier, fake_slack: FakeSlackApi
) -> None:
    delivered = await notifier.send(CHANNEL, NOTICE)

    await notifier.update(delivered, NOTICE)

    [update] = fake_slack.calls_to("chat.update")
    assert update.params["ts"] == delivered.message_id
    assert update.params["channel"] == "C0000TEAM"


async def test_persistent_rate_limit_is_a_retryable_failure(fake_slack: FakeSlackApi) -> None:
    fake_slack.rate_limit(5)

    with pytest.raises(DeliveryError) as failure:
        await slack_notifier(fake_slack, rate_limit_retries=0).send(CHANNEL, NOTICE)

    assert failure.value.retryable is True


async def test_unreachable_slack_is_a_retryable_failure(fake_slack: FakeSlackApi) -> None:
    await fake_slack.close()

    with pytest.raises(DeliveryError) as failure:
        await slack_notifier(fake_slack).send(CHANNEL, NOTICE)

    assert failure.value.retryable is True


async def test_router_sends_by_platform(fake_slack: FakeSlackApi) -> None:
    printed: list[str] = []
    router = RouterNotifier({"console": ConsoleNotifier(printed.append)})
    router.register("slack", slack_notifier(fake_slack))

    await router.send(Recipient("console", "person", "anna"), NOTICE)
    await router.send(CHANNEL, NOTICE)

    assert "Kvartalsvis gallringsgenomgång" in printed[0]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_router_refuses_an_unconfigured_platform_for_good() -> None:
    with pytest.raises(DeliveryError) as failure:
        await RouterNotifier().send(Recipient("teams", "channel", "x"), NOTICE)

    assert failure.value.retryable is False


async def test_console_notice_says_how_to_confirm() -> None:
    printed: list[str] = []
    console = ConsoleNotifier(printed.append)

    delivered = await console.send(Recipient("console", "person", "anna"), NOTICE)
    await console.update(delivered, NOTICE)

    assert "kvittera 31" in printed[0]
    assert len(printed) == 2 and isinstance(delivered, Delivered)


async def test_console_notice_after_the_session_ended_is_not_delivered_nor_printed() -> None:
    """Nobody reads a console after the goodbye: the notice stays pending (retryable)."""
    printed: list[str] = []
    console = ConsoleNotifier(printed.append)
    console.end()

    with pytest.raises(DeliveryError) as failure:
        await console.send(Recipient("console", "person", "anna"), NOTICE)

    assert failure.value.retryable is True
    assert printed == []


async def test_router_counts_delivered_notices_by_kind_for_metrics() -> None:
    from bot.chat.metrics import REGISTRY

    def posted() -> float:
        labels = {"kind": "posted"}
        return REGISTRY.get_sample_value("gdprbot_reminders_posted_total", labels) or 0.0

    router = RouterNotifier({"console": ConsoleNotifier(write=lambda _text: None)})
    before = posted()

    await router.send(Recipient(platform="console", kind="channel", address="gdpr"), NOTICE)

    assert posted() == before + 1
