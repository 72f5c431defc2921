"""A bot with the example client directory and a knowledge base with one rights-request
article (`needs_client`), built by `build_services` on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from textwrap import dedent

import pytest

from bot.app import Services, build_services
from bot.chat.messages import Action, ConversationRef, Incoming, Reply
from bot.config import Settings
from clients import EXAMPLE_DIR
from knowledge import KnowledgeBase, load_knowledge_base

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
