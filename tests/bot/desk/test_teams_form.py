"""The desk's form on Teams, through the real `/api/messages` endpoint and the fake Bot
Connector: `begäran` answers with an Adaptive Card form in the client's channel; its
submit registers the request once, a bad submit shows the form again with the problems,
a malformed one is refused without a 5xx; the registration's "Vidarebefordrad" button
marks it forwarded. A late request is reminded in the agent's 1:1 chat, escalated to the
client's team lead and the compliance officer (AAD object ids), forwarded late and
reported as late."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bot.cli import app as cli
from clients import EXAMPLE_DIR
from knowledge import KnowledgeBase
from testing.bot_connector import ConnectorCall
from tests.bot.desk.conftest import SOLVINGE_TEAMS
from tests.bot.platforms.teams.fixtures import (
    StartTeamsBot,
    TeamsBotServer,
    card_text,
    message_activity,
)

AGENT = {"id": "29:agent", "aadObjectId": "aad-agent", "name": "Agnes Agent"}
THREAD = f"{SOLVINGE_TEAMS};messageid=1700000000000"
CHANNEL = {"id": THREAD, "conversationType": "channel", "isGroup": True}
CHANNEL_DATA = {"tenant": {"id": "tenant-1"}, "channel": {"id": SOLVINGE_TEAMS}}


@pytest.fixture
def test_knowledge(desk_knowledge: KnowledgeBase) -> KnowledgeBase:
    """The bot's knowledge: one rights-request article that names the client's facts."""
    return desk_knowledge


@pytest.fixture
async def teams(start_teams_bot: StartTeamsBot) -> TeamsBotServer:
    return await start_teams_bot(signed=True, clients_files=[str(EXAMPLE_DIR)])


def _today(teams: TeamsBotServer) -> date:
    return datetime.now(ZoneInfo(teams.services.settings.timezone)).date()


async def _in_channel(teams: TeamsBotServer, **fields: Any) -> list[ConnectorCall]:
    return await teams.send(message_activity(
        teams.connector.url, id=teams.next_id(),
        **{"from": AGENT, "conversation": CHANNEL, "channelData": CHANNEL_DATA, **fields},
    ))  # fmt: skip


async def _submit(teams: TeamsBotServer, card_id: str, **inputs: str) -> list[ConnectorCall]:
    value = {"action_id": "request.register", "value": "sv", **inputs}
    return await _in_channel(teams, text="", value=value, replyToId=card_id)


def _inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}


def _rows(teams: TeamsBotServer) -> list[tuple[Any, ...]]:
    with teams.services.engine.connect() as conn:
        query = "select client_id, kind, received_on, client_ref, platform from rights_requests"
        return [(*row[:2], str(row[2]), *row[3:]) for row in conn.execute(text(query))]


async def _form(teams: TeamsBotServer) -> tuple[str, dict[str, Any]]:
    """`begäran` in Solvinge's channel: the card's activity id and the card."""
    (call,) = await _in_channel(teams, text="begäran")
    assert call.kind in ("send", "reply") and call.conversation_id.startswith(SOLVINGE_TEAMS)
    assert call.card is not None
    return str(call.body.get("id") or call.activity_id or "card"), call.card


async def test_begaran_answers_with_a_form_of_client_type_date_and_reference(
    teams: TeamsBotServer,
) -> None:
    _card_id, card = await _form(teams)

    inputs = _inputs(card)
    assert list(inputs) == ["client", "kind", "received", "ref"]
    assert inputs["client"]["type"] == "Input.ChoiceSet"
    assert inputs["client"]["value"] == "solvinge"  # the channel's client, filled in
    assert {c["value"] for c in inputs["client"]["choices"]} == {"solvinge", "hemladan"}
    assert {c["value"] for c in inputs["kind"]["choices"]} >= {"access", "erasure", "other"}
    assert inputs["received"]["type"] == "Input.Date"
    assert inputs["received"]["value"] == inputs["received"]["max"] == _today(teams).isoformat()
    assert inputs["ref"]["type"] == "Input.Text" and not inputs["ref"]["isRequired"]
    assert "sparar inget namn, inga kontaktuppgifter" in card_text(card)
    (submit,) = card["actions"]
    assert submit["data"] == {"action_id": "request.register", "value": "sv"}


async def test_the_submitted_form_is_registered_once_and_answers_with_script_and_address(
    teams: TeamsBotServer,
) -> None:
    card_id, _card = await _form(teams)
    today = _today(teams).isoformat()

    first = await _submit(teams, card_id, client="solvinge", kind="erasure", received=today,
                          ref="SV-9")  # fmt: skip
    again = await _submit(teams, card_id, client="solvinge", kind="erasure", received=today,
                          ref="SV-9")  # fmt: skip

    (registered,) = first
    assert registered.kind == "update" and registered.activity_id == card_id
    said = card_text(registered.card)
    assert "radering (art. 17) för Solvinge Resor AB" in said
    assert "dataskydd@solvinge.example" in said and "Säg till den som ringer" in said
    assert "redan registrerad" in card_text(again[0].card)
    assert _rows(teams) == [("solvinge", "erasure", _today(teams).isoformat(), "SV-9", "teams")]


async def test_a_bad_submit_shows_the_form_again_with_each_problem_and_records_nothing(
    teams: TeamsBotServer,
) -> None:
    card_id, _card = await _form(teams)

    (shown,) = await _submit(teams, card_id, client="nope", kind="teleport", received="igår",
                             ref="x" * 65)  # fmt: skip

    assert shown.kind == "update" and shown.activity_id == card_id
    said = card_text(shown.card)
    for problem in ("välj en kund", "välj vad den som ringer begär", "ska vara ett datum",
                    "högst 64 tecken"):  # fmt: skip
        assert problem in said
    assert shown.card is not None and _inputs(shown.card)["ref"]["value"] == "x" * 64
    assert _rows(teams) == []


async def test_a_date_after_today_is_refused(teams: TeamsBotServer) -> None:
    card_id, _card = await _form(teams)

    (shown,) = await _submit(teams, card_id, client="solvinge", kind="access",
                             received="2999-01-01")  # fmt: skip

    assert "kan inte vara senare än i dag" in card_text(shown.card)
    assert _rows(teams) == []


@pytest.mark.parametrize(
    "value",
    [
        {"action_id": "request.register"},  # no inputs at all
        {"action_id": "request.register", "client": ["solvinge"], "kind": {"x": 1}},
        {"action_id": "request.register", "value": None, "received": 20270101},
        "request.register",  # not an object
        [1, 2, 3],
    ],
)
async def test_a_malformed_submit_is_answered_or_refused_never_a_server_error(
    teams: TeamsBotServer, value: Any
) -> None:
    activity = message_activity(
        teams.connector.url, id=teams.next_id(), text="", value=value, replyToId="card-9",
        **{"from": AGENT, "conversation": CHANNEL, "channelData": CHANNEL_DATA},
    )  # fmt: skip
    status, _body = await teams.post(activity)

    assert status < 500
    assert _rows(teams) == []
    if status == 200 and isinstance(value, dict):  # answered: the form, saying what is missing
        said = "\n".join(card_text(call.card) for call in teams.connector.messages())
        assert "välj en kund" in said


async def test_a_body_that_is_no_activity_is_a_400(teams: TeamsBotServer) -> None:
    status, _body = await teams.post(None, raw=b'{"type": "message", "value": {')

    assert status == 400


def _forward_button(card: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The registration card's "Vidarebefordrad" submit and its "how" input."""
    assert card is not None
    (button,) = card["actions"]
    assert button["title"] == "Vidarebefordrad"
    return button, _inputs(card)["via"]


async def test_the_forwarded_button_records_how_it_went_once(teams: TeamsBotServer) -> None:
    card_id, _card = await _form(teams)
    (registered,) = await _submit(teams, card_id, client="solvinge", kind="access",
                                  received=_today(teams).isoformat())  # fmt: skip
    button, how = _forward_button(registered.card)
    assert [c["value"] for c in how["choices"]][:2] == ["email", "portal"]  # Solvinge's ways
    assert not how["isRequired"]

    (forwarded,) = await _in_channel(teams, text="", value={**button["data"], "via": "phone"},
                                     replyToId=card_id)  # fmt: skip
    again = await _in_channel(teams, text="", value=button["data"], replyToId=card_id)

    assert forwarded.kind == "update" and forwarded.activity_id == card_id
    assert "vidarebefordrad via telefon" in card_text(forwarded.card)
    assert any("redan vidarebefordrad" in str(c.activity.get("text")) for c in again)
    with teams.services.engine.connect() as conn:
        row = conn.execute(text("select forwarded_via from rights_requests")).one()
    assert tuple(row) == ("phone",)


async def test_forwarded_without_saying_how_is_recorded_without_it(
    teams: TeamsBotServer,
) -> None:
    card_id, _card = await _form(teams)
    (registered,) = await _submit(teams, card_id, client="solvinge", kind="access",
                                  received=_today(teams).isoformat())  # fmt: skip
    button, _how = _forward_button(registered.card)

    await _in_channel(teams, text="", value={**button["data"], "via": "carrier pigeon"},
                      replyToId=card_id)  # fmt: skip

    with teams.services.engine.connect() as conn:
        row = conn.execute(text("select forwarded_at is not null, forwarded_via "
                                "from rights_requests")).one()  # fmt: skip
    assert tuple(row) == (1, None)


async def test_a_question_in_the_clients_channel_names_its_controller_and_address(
    teams: TeamsBotServer,
) -> None:
    calls = await _in_channel(teams, text="<at>GDPR-boten</at> kunden vill bli raderad")

    said = "\n".join(str(c.activity.get("text") or "") + card_text(c.card) for c in calls)
    assert "Solvinge Resor AB (org.nr 556000-0001)" in said
    assert "dataskydd@solvinge.example" in said


LEAD_AAD = "6f1c0e2a-1111-4b5c-9d8e-00000000a001"  # Solvinge's team lead (the example)
OFFICER_AAD = "7a1c0e2a-2222-4b5c-9d8e-00000000b002"


def _personal(user: str, aad: str) -> dict[str, Any]:
    chat = {"id": f"a:{user}-personal", "conversationType": "personal"}
    return {"from": {"id": user, "aadObjectId": aad}, "conversation": chat}


def _told(teams: TeamsBotServer, code: str) -> list[str]:
    """The 1:1 chats each notice about request `code` went to, in order."""
    where = []
    for call in teams.connector.calls:
        if code not in str(call.activity.get("summary", "")):
            continue
        if call.conversation_id.startswith("a:"):
            where.append(call.conversation_id)
    return where


async def test_a_late_request_is_reminded_escalated_forwarded_late_and_reported(
    start_teams_bot: StartTeamsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    teams = await start_teams_bot(signed=True, clients_files=[str(EXAMPLE_DIR)],
                                  compliance_officers=[OFFICER_AAD])  # fmt: skip
    for user, aad in (("29:lead", LEAD_AAD), ("29:officer", OFFICER_AAD)):  # they said hello
        await teams.say("hej", **_personal(user, aad))
    card_id, _card = await _form(teams)
    received = _today(teams) - timedelta(days=21)
    (registered,) = await _submit(teams, card_id, client="solvinge", kind="erasure",
                                  received=received.isoformat())  # fmt: skip
    match = re.search(r"Begäran \*\*(\w{6})\*\*", card_text(registered.card))
    assert match is not None
    code = match.group(1)

    job = teams.services.scheduler.get_job("rights-requests")
    for _stage in range(3):  # one stage per pass: the agent, the lead, the officer
        await job.func()
    told = _told(teams, code)

    assert told[1:] == ["a:29:lead-personal", "a:29:officer-personal"]
    opened = [c.body["members"][0]["id"] for c in teams.connector.of_kind("create")]
    assert told[0].startswith("a:") and "29:agent" in opened  # a 1:1 chat opened with Agnes
    button, _how = _forward_button(registered.card)
    value = {**button["data"], "via": "email"}
    (forwarded,) = await _in_channel(teams, text="", value=value, replyToId=card_id)
    assert "försenad" in card_text(forwarded.card)

    monkeypatch.setenv("GDPRBOT_DATABASE_URL", teams.services.settings.database_url)
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))
    result = await asyncio.to_thread(CliRunner().invoke, cli, [
        "report", "--client", "solvinge", "--from", received.isoformat(),
        "--to", _today(teams).isoformat(), "--format", "json",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["figures"]
    assert (figures["received"], figures["forwarded_late"]) == (1, 1)


async def _registered_code(teams: TeamsBotServer) -> str:
    card_id, _card = await _form(teams)
    (registered,) = await _submit(teams, card_id, client="solvinge", kind="access",
                                  received=_today(teams).isoformat())  # fmt: skip
    match = re.search(r"Begäran \*\*(\w{6})\*\*", card_text(registered.card))
    assert match is not None
    return match.group(1)


def _forwarded(teams: TeamsBotServer) -> bool:
    with teams.services.engine.connect() as conn:
        query = text("select forwarded_at is not null from rights_requests")
        return bool(conn.execute(query).scalar_one())


async def test_whoever_registered_it_may_forward_it_from_their_1to1_chat(
    teams: TeamsBotServer,
) -> None:
    code = await _registered_code(teams)

    calls = await teams.say(f"vidarebefordrad {code} e-post", **_personal("29:agent", "aad-agent"))

    assert "vidarebefordrad via e-post" in str(calls[-1].activity.get("text"))
    assert _forwarded(teams)


async def test_someone_else_outside_the_clients_channel_may_not(teams: TeamsBotServer) -> None:
    code = await _registered_code(teams)

    calls = await teams.say(f"vidarebefordrad {code}", **_personal("29:other", "aad-other"))

    assert "i Teams syns det bara i kundens kanal" in str(calls[-1].activity.get("text"))
    assert not _forwarded(teams)


async def test_one_form_registers_one_request_whoever_in_the_channel_submits_it(
    teams: TeamsBotServer,
) -> None:
    card_id, _card = await _form(teams)
    inputs = {"client": "solvinge", "kind": "objection", "received": _today(teams).isoformat()}
    await _submit(teams, card_id, **inputs)
    colleague = {"id": "29:colleague", "aadObjectId": "aad-colleague"}
    value = {"action_id": "request.register", "value": "sv", **inputs}

    await _in_channel(teams, text="", value=value, replyToId=card_id, **{"from": colleague})

    assert len(_rows(teams)) == 1


async def test_the_form_submitted_for_another_client_from_this_clients_channel_is_refused(
    teams: TeamsBotServer,
) -> None:
    """Acting inside Solvinge's channel shows the agent serves Solvinge, not Hemlådan."""
    card_id, _card = await _form(teams)

    calls = await _submit(teams, card_id, client="hemladan", kind="erasure",
                          received=_today(teams).isoformat())  # fmt: skip

    assert _rows(teams) == []
    said = " ".join(card_text(c.card) if c.card else str(c.activity.get("text")) for c in calls)
    assert "Hemlådan Nordic AB" in said  # the refusal names the client asked for
