"""A click on the bot's own routine card works wherever Teams shows the card: in a 1:1
chat (tests/bot/test_platform_routines.py), in a team's channel and in a group chat.

The card is posted by the routine's tick into the conversation the app was added to; the
Action.Submit comes back as Teams sends it from that conversation (a channel's with
`;messageid=` of the card's thread, a group chat's as it is), signed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from routines.engine.models import Confirmation
from routines.ports import ACTION_CONFIRM
from tests.bot.platforms.teams.fixtures import (
    BOT_ACCOUNT,
    TENANT,
    StartTeamsBot,
    card_text,
    message_activity,
    only,
)
from tests.bot.test_platform_routines import (
    ANNA_AAD,
    CLICKED,
    count,
    occurrence,
    post_due_routine,
    posted_message_id,
    write_catalogue,
)

CHANNEL = "19:kundservice@thread.tacv2"
GROUP_CHAT = "19:gdpr-gruppen@thread.v2"

# Where the card is, as an activity from there carries it: (conversation, channelData).
SCOPES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "channel": (
        {"id": CHANNEL, "conversationType": "channel", "isGroup": True, "tenantId": TENANT},
        {
            "tenant": {"id": TENANT},
            "team": {"id": "19:team@thread.tacv2"},
            "channel": {"id": CHANNEL},
        },
    ),
    "group chat": (
        {"id": GROUP_CHAT, "conversationType": "groupChat", "isGroup": True, "tenantId": TENANT},
        {"tenant": {"id": TENANT}},
    ),
}


@pytest.mark.parametrize("scope", list(SCOPES))
async def test_confirming_on_a_routine_card_in_a_shared_conversation_updates_that_card(
    scope: str, start_teams_bot: StartTeamsBot, tmp_path: Path
) -> None:
    conversation, channel_data = SCOPES[scope]
    catalogue = write_catalogue(
        tmp_path / "routines.yaml",
        post_to=f"{{platform: teams, channel: '{conversation['id']}'}}",
        assignee=f"teams:{ANNA_AAD}",
    )
    teams = await start_teams_bot(signed=True, routines_files=[str(catalogue)])
    teams.services.clock = lambda: CLICKED
    url = teams.connector.url
    added = message_activity(
        url, type="conversationUpdate", id="added", text=None, membersAdded=[BOT_ACCOUNT],
        conversation=conversation, channelData=channel_data,
    )  # fmt: skip
    await teams.send(added)
    occurrence_id = await post_due_routine(teams.services, catalogue)
    card_id = posted_message_id(teams.sessions, occurrence_id)
    teams.connector.clear()

    clicked_in = dict(conversation)
    if scope == "channel":  # a click in a channel comes from the card's thread
        clicked_in["id"] = f"{CHANNEL};messageid={card_id}"
    click = message_activity(
        url, id="click", text=None, replyToId=card_id, conversation=clicked_in,
        channelData=channel_data, value={"action_id": ACTION_CONFIRM, "value": str(occurrence_id)},
    )  # fmt: skip
    update = only(await teams.send(click))

    assert update.kind == "update" and update.activity_id == card_id
    assert "✅ Bekräftad av Anna Andersson" in card_text(update.card)
    assert occurrence(teams.sessions, occurrence_id)[0] == "done"
    assert count(teams.sessions, Confirmation) == 1
