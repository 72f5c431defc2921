"""A bot with the example client directory and a knowledge base with one rights-request
article (`needs_client`), built by `build_services` on a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from textwrap import dedent
from typing import Any

import aiohttp
import pytest

from bot.app import Services, build_services
from bot.chat.messages import Action, ConversationRef, Incoming, Reply
from bot.config import Settings
from clients import EXAMPLE_DIR
from knowledge import KnowledgeBase, load_knowledge_base
from testing.slack_api import FakeSlackApi
from testing.slack_payloads import CHANNEL, USER, SlackSigner, slash_command
from tests.bot.conftest import SIGNING_SECRET, RunningBot

SOLVINGE_SLACK = "C05SOLVINGE"
SOLVINGE_TEAMS = "19:3f1c2a0b9d8e4f7a6b5c@thread.tacv2"
HEMLADAN_SLACK = "C05HEMLADAN"

ARTICLE = {
    "sv": """\
        ---
        id: refer-erasure
        lang: sv
        title: Kunden vill bli raderad
        questions:
          - kunden vill bli raderad
          - en kund vill att vi raderar allt om honom
          - kunden kräver radering av sina uppgifter
        tags: [radering, raderad, radera]
        gdpr: ["17"]
        owner: Dataskyddsombud
        reviewed: 2026-10-01
        review_every_months: 12
        needs_client: true
        ---
        Det är {{client.controller}} som beslutar om radering; skicka begäran till
        {{client.rights_email}}.

        ## Så gör du
        Säg: {{client.script}}
        """,
    "en": """\
        ---
        id: refer-erasure
        lang: en
        title: The customer wants to be erased
        questions:
          - the customer wants to be erased
          - a customer wants us to delete everything about him
          - the customer demands erasure of their data
        tags: [erasure, erased, delete]
        gdpr: ["17"]
        owner: Data protection officer
        reviewed: 2026-10-01
        review_every_months: 12
        needs_client: true
        ---
        {{client.controller}} decides on erasure; send the request to {{client.rights_email}}.

        ## What you do
        Say: {{client.script}}
        """,
}


@pytest.fixture(scope="session")
def desk_knowledge(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("desk-kb")
    for lang, text in ARTICLE.items():
        (root / lang).mkdir()
        (root / lang / "refer-erasure.md").write_text(dedent(text), encoding="utf-8")
    return load_knowledge_base([root], include_shipped=False)


def desk_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'bot.db'}",
        "slack_bot_token": "",
        "teams_enabled": False,
        "scheduler_enabled": False,
        "console": "off",
        "embeddings": "off",
        "clients_files": str(EXAMPLE_DIR),
        "compliance_officers": "U0OFFICER",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def bot(tmp_path: Path, desk_knowledge: KnowledgeBase) -> AsyncIterator[Services]:
    services = build_services(desk_settings(tmp_path), knowledge_base=desk_knowledge)
    yield services
    await services.close()


def said(
    text: str,
    *,
    platform: str = "console",
    user: str = "agent",
    conversation: str = "console",
    event_id: str | None = None,
) -> Incoming:
    return Incoming(
        platform=platform,  # type: ignore[arg-type]
        user_id=user,
        text=text,
        conversation=ConversationRef(platform, conversation),  # type: ignore[arg-type]
        is_direct=conversation.startswith("D") or conversation == "console",
        event_id=event_id,
    )


def clicked(
    reply: Reply,
    label_part: str,
    *,
    platform: str = "console",
    user: str = "agent",
    conversation: str = "console",
    message_id: str | None = "m-1",
) -> Incoming:
    """A click on the reply's button whose label contains `label_part`."""
    (button,) = [b for b in reply.buttons if label_part in b.label]
    return Incoming(
        platform=platform,  # type: ignore[arg-type]
        user_id=user,
        text="",
        conversation=ConversationRef(platform, conversation),  # type: ignore[arg-type]
        action=Action(button.action_id, button.value, message_id=message_id),
    )


Ask = Callable[[Incoming], object]


def acme_directory(*, team_leads: list[str] | None = None) -> str:
    """A client directory with one client, Acme AB, whose channel is the fake Slack's CHANNEL."""
    leads = f"    team_leads: {json.dumps(team_leads)}\n" if team_leads else ""
    return (
        dedent(f"""\
        clients:
          - id: acme
            name: Acme AB
            controller: Acme AB (556000-0000)
            rights_requests:
              email: dataskydd@acme.example
              forward_within_business_days: 1
              script:
                sv: Acme AB är personuppgiftsansvarigt; skriv till {{{{client.rights_email}}}}.
                en: Acme AB is the controller; write to {{{{client.rights_email}}}}.
            channels: [{CHANNEL}]
        """)
        + leads
    )


StartSlackDesk = Callable[..., AbstractAsyncContextManager[RunningBot]]


@pytest.fixture
def start_slack_desk(
    bot_settings: Settings, fake_slack: FakeSlackApi, desk_knowledge: KnowledgeBase,
    tmp_path: Path,
) -> StartSlackDesk:  # fmt: skip
    """Starts the bot's real Slack endpoint with a client directory, the desk's knowledge
    base and `USER` in the client's channel; `settings` overrides the bot's settings."""

    @asynccontextmanager
    async def start(directory: str, **settings: object) -> AsyncIterator[RunningBot]:
        from bot.web import start_server

        path = tmp_path / "clients.yaml"
        path.write_text(directory, encoding="utf-8")
        fake_slack.channel_members[CHANNEL] = [USER]
        update = {"clients_files": [str(path)], "embeddings": "off", **settings}
        services = build_services(bot_settings.model_copy(update=update),
                                  knowledge_base=desk_knowledge)  # fmt: skip
        runner, port = await start_server(services, "127.0.0.1", 0)
        await services.start()
        http = aiohttp.ClientSession()
        try:
            yield RunningBot(
                services, f"http://127.0.0.1:{port}", http, SlackSigner(SIGNING_SECRET)
            )
        finally:
            await http.close()
            await runner.cleanup()
            await services.close()

    return start


async def slack_command_reply(
    bot: RunningBot, slack: FakeSlackApi, text: str, user: str = USER
) -> str:
    """Sends a signed `/gdpr <text>` and returns what the bot answered at the response_url."""
    before = len(slack.calls_to("response_url"))
    response = await bot.post_slack(slash_command(text, slack.response_url(), user=user))
    assert response.status == 200
    calls = await slack.wait_for("response_url", before + 1)
    params: dict[str, Any] = calls[-1].params
    return str(params.get("text", "")) + " " + str(params.get("blocks", ""))
