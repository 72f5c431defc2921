"""Chat `insights` / `insikter`: who may see them, and what they see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_services
from bot.authz import Policy
from bot.chat.conversation import Conversation
from bot.chat.messages import ConversationRef, Incoming
from bot.config import Settings
from bot.features.insights import InsightsFeature, owner_addresses, parse_since
from bot.records.insights import InsightsStore
from bot.records.questions import record_question
from knowledge import KnowledgeBase
from knowledge.model import Answer
from storage.sessions import session_factory, transaction
from testing.directory import StaticDirectory

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
OFFICER = "U0OFFICER"


class NoAnswers:
    def answer(self, question: str, lang: str | None = None) -> Answer:
        return Answer(answered=False, lang="sv", text="Vet inte.", article=None, score=0.0)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: presentation is tested here; the queries run on both databases in
    tests/bot/test_insights.py."""
    return sqlite_url


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    factory = session_factory(engine)
    with transaction(factory) as session:
        for text, days_ago in (("Får vi använda ChatGPT?", 2), ("Får vi använda chatgpt", 40)):
            record_question(
                session, text=text, lang="sv", answered=False, article_id=None, score=0.1,
                now=NOW - timedelta(days=days_ago),
            )  # fmt: skip
    return factory


@pytest.fixture
async def policy() -> Policy:
    """Officers and owners as configured; the Slack directory vouches for two addresses."""
    directory = StaticDirectory(emails={"dpo@example.se": "U0DPO", "legal@example.se": "U0LEGAL"})
    policy = Policy(
        officers=[OFFICER, "dpo@example.se"],
        owners=owner_addresses(["Juridik <Legal@Example.se>", "Dataskyddsombud"]),
        directories={"slack": directory},
    )
    await policy.resolve()
    return policy


@pytest.fixture
def feature(sessions: sessionmaker[Session], policy: Policy) -> InsightsFeature:
    return InsightsFeature(InsightsStore(sessions), policy=policy, clock=lambda: NOW)


def message(text: str, user: str = OFFICER, email: str | None = None) -> Incoming:
    return Incoming(
        platform="slack",
        user_id=user,
        text=text,
        email=email,
        conversation=ConversationRef("slack", "D0123"),
        is_direct=True,
    )


async def test_an_officer_sees_the_insights_privately(feature: InsightsFeature) -> None:
    (reply,) = await feature.on_command("insights", "", message("insikter"), "sv")
    assert reply.private
    assert "2 ggr (sv): Får vi använda chatgpt" in reply.text  # the oldest phrasing leads


async def test_days_limit_the_period(feature: InsightsFeature) -> None:
    (reply,) = await feature.on_command("insights", "30", message("insights 30"), "en")
    assert "1× (sv): Får vi använda ChatGPT?" in reply.text
    assert "Questions: 1" in reply.text


async def test_a_date_limits_the_period(feature: InsightsFeature) -> None:
    (reply,) = await feature.on_command("insights", "2027-03-01", message("x"), "en")
    assert "Period: 2027-03-01" in reply.text and "Questions: 1" in reply.text


@pytest.mark.parametrize("args", ["yesterday", "0", "99999"])
async def test_bad_arguments_get_usage(feature: InsightsFeature, args: str) -> None:
    (reply,) = await feature.on_command("insights", args, message("x"), "sv")
    assert "`insikter 30`" in reply.text and reply.private


async def test_an_officer_named_by_email_is_recognised_by_the_id_the_directory_gave(
    feature: InsightsFeature,
) -> None:
    (reply,) = await feature.on_command("insights", "", message("insights", user="U0DPO"), "en")
    assert reply.text.startswith("*Question insights*")


async def test_an_email_address_sent_with_the_request_grants_nothing(
    feature: InsightsFeature,
) -> None:
    incoming = message("insights", user="U0OTHER", email="DPO@example.se")
    (reply,) = await feature.on_command("insights", "", incoming, "en")
    assert "ChatGPT" not in reply.text and reply.private


async def test_an_article_owner_named_in_owner_field_is_recognised(
    feature: InsightsFeature,
) -> None:
    (reply,) = await feature.on_command("insights", "", message("insights", user="U0LEGAL"), "en")
    assert reply.text.startswith("*Question insights*")


async def test_anyone_else_is_politely_refused(feature: InsightsFeature) -> None:
    (reply,) = await feature.on_command("insights", "", message("insikter", user="U0AGENT"), "sv")
    assert reply.private
    assert "bara för dataskyddsansvariga" in reply.text
    assert "ChatGPT" not in reply.text


async def test_the_conversation_routes_both_words(feature: InsightsFeature) -> None:
    conversation = Conversation(NoAnswers(), features=[feature], clock=lambda: NOW)
    (sv,) = await conversation.handle(message("insikter"))
    (en,) = await conversation.handle(message("insights"))
    assert sv.text.startswith("*Insikter om frågor*")
    assert en.text.startswith("*Question insights*")
    help_text = conversation.help_reply("sv").text
    assert "insikter [dagar|datum]" in help_text


def test_owner_addresses_pick_emails_and_platform_ids() -> None:
    found = owner_addresses(
        [
            "Dataskyddsombud",
            "IT <it@example.se>",
            "U02ABCDEF",
            "6F1C0E2A-AAAA-4B5C-9D8E-000000000001",
        ]
    )
    assert found == {"it@example.se", "u02abcdef", "6f1c0e2a-aaaa-4b5c-9d8e-000000000001"}


def test_parse_since() -> None:
    assert parse_since("", NOW) is None
    assert parse_since("7", NOW) == NOW - timedelta(days=7)
    assert parse_since("2027-01-01", NOW) == datetime(2027, 1, 1, tzinfo=UTC)


async def test_the_built_bot_answers_insikter_for_a_configured_officer(
    tmp_path: Path, test_knowledge: KnowledgeBase
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        slack_bot_token="",
        teams_enabled=False,
        scheduler_enabled=False,
        console="off",
        compliance_officers="U0OFFICER, dpo@example.se",
    )
    services = build_services(settings, knowledge_base=test_knowledge)
    try:
        (officer,) = await services.conversation.handle(message("insikter"))
        (agent,) = await services.conversation.handle(message("insikter", user="U0AGENT"))
    finally:
        await services.close()
    assert officer.text.startswith("*Insikter om frågor*")
    assert "bara för dataskyddsansvariga" in agent.text
