"""The desk through the real Teams endpoint (`/api/messages` and the fake Bot Connector):
a request registered from the client's channel, its "Forwarded" button clicked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from clients import EXAMPLE_DIR
from testing.bot_connector import ConnectorCall
from tests.bot.desk.conftest import SOLVINGE_TEAMS
from tests.bot.platforms.teams.fixtures import (
    StartTeamsBot,
    TeamsBotServer,
    card_text,
    message_activity,
)

AGENT = {"id": "29:agent", "aadObjectId": "aad-agent", "name": "Agnes Agent"}
CHANNEL = {"id": f"{SOLVINGE_TEAMS};messageid=1700000000000", "conversationType": "channel"}


def _said(calls: list[ConnectorCall]) -> str:
    parts = []
    for call in calls:
        parts.append(str(call.activity.get("text") or ""))
        if call.card is not None:
            parts.append(card_text(call.card))
    return "\n".join(parts)


def _button(calls: list[ConnectorCall], title_part: str) -> dict[str, Any]:
    for call in calls:
        for action in (call.card or {}).get("actions", []):
            if title_part in action.get("title", ""):
                return dict(action["data"])
    raise AssertionError(f"no button {title_part!r} in {calls}")


async def test_teams_a_request_from_the_clients_channel_is_registered_and_forwarded(
    start_teams_bot: StartTeamsBot,
) -> None:
    teams: TeamsBotServer = await start_teams_bot(signed=True, clients_files=[str(EXAMPLE_DIR)])

    registered = await teams.send(message_activity(
        teams.connector.url, id=teams.next_id(), text="begäran radering #SV-5",
        **{"from": AGENT, "conversation": CHANNEL},
    ))  # fmt: skip
    said = _said(registered)
    assert "radering (art. 17) för Solvinge Resor AB" in said
    assert "dataskydd@solvinge.example" in said

    click = {**_button(registered, "Vidarebefordrad"), "via": "email"}
    forwarded = await teams.send(message_activity(
        teams.connector.url, id=teams.next_id(), text="", value=click,
        **{"from": AGENT, "conversation": CHANNEL},
    ))  # fmt: skip

    assert "vidarebefordrad via e-post" in _said(forwarded)
    with teams.services.engine.connect() as conn:
        row = conn.execute(text("select platform, forwarded_via from rights_requests")).one()
    assert tuple(row) == ("teams", "email")


async def test_teams_an_agent_in_the_1_to_1_chat_is_told_to_register_in_the_clients_channel(
    start_teams_bot: StartTeamsBot,
) -> None:
    """Teams shows who serves a client only inside its channel: from the 1:1 chat the
    request is not registered, and the refusal says where it works."""
    teams: TeamsBotServer = await start_teams_bot(signed=True, clients_files=[str(EXAMPLE_DIR)])
    personal = {"id": "a:agent-personal", "conversationType": "personal"}

    refused = await teams.send(message_activity(
        teams.connector.url, id=teams.next_id(), text="begäran solvinge radering #SV-6",
        **{"from": AGENT, "conversation": personal},
    ))  # fmt: skip

    assert "i Teams syns det bara i kundens kanal" in _said(refused)
    with teams.services.engine.connect() as conn:
        assert conn.execute(text("select count(*) from rights_requests")).scalar() == 0
