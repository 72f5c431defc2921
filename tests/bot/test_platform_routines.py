"""Routines through the real endpoints: signed Slack payloads to /slack/events and Teams
Activities to /api/messages, against the fake Slack Web API and the fake Bot Connector.

Occurrences are created by the routines service with `now` passed in; the running bot
reads "now" from `services.clock`, which each test pins to a click time. Nothing sleeps.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.records.codes import OccurrenceCodes
from routines import ledger
from routines.catalog import load_catalog
from routines.engine.models import Confirmation, Occurrence, OccurrenceNote, PostedMessage
from routines.ports import ACTION_CONFIRM, ACTION_NOT_APPLICABLE, ACTION_NOTE
from routines.service import RoutineService
from storage.sessions import transaction
from testing.slack_api import TEAM_ID, Call, FakeSlackApi
from tests.bot.conftest import RunningBot
from tests.bot.platforms.teams.fixtures import (
    StartTeamsBot,
    TeamsBotServer,
    action_ids,
    card_text,
    message_activity,
    only,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FIRST_LOADED = datetime(2026, 12, 20, 8, tzinfo=STOCKHOLM)
POSTED = datetime(2027, 1, 4, 9, 30, tzinfo=STOCKHOLM)  # 2027-01-01 is a holiday: Monday
CLICKED = datetime(2027, 1, 5, 10, 12, tzinfo=STOCKHOLM)

CHANNEL = "C0GDPR"
ANNA, EVE = "UANNA", "UEVE"
ANNA_AAD = "aad-anna"

CATALOGUE = """\
routines:
  - id: retention
    title: {sv: Gallring av kunddata, en: Customer data retention}
    gdpr: ["5(1)(e)"]
    schedule: {every: quarter, anchor: 2026-10-01}
    business_days: true
    due_days: 14
    post_to: [POST_TO]
    assignees: {people: ["ASSIGNEE"], confirm: any}
    evidence: EVIDENCE
"""


def write_catalogue(path: Path, *, post_to: str, assignee: str, evidence: str = "optional") -> Path:
    text = (
        CATALOGUE.replace("POST_TO", post_to)
        .replace("ASSIGNEE", assignee)
        .replace("EVIDENCE", evidence)
    )
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


async def post_due_routine(services: Any, catalogue: Path, *, posted: bool = True) -> int:
    """Load the catalogue, then tick when the routine falls due: it is created and posted
    through the bot's own notifier (`posted`: and that must succeed). Returns its id."""
    service = RoutineService(
        services.sessions, load_catalog([catalogue], include_default=False), services.notifier
    )
    await service.tick(FIRST_LOADED)
    report = await service.tick(POSTED)
    [created] = report.created
    assert not posted or report.dispatch.sent.get("post") == 1, report.lines()
    return created.occurrence_id


def count(sessions: sessionmaker[Session], model: Any, *where: Any) -> int:
    with transaction(sessions) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ledger_payloads(sessions: sessionmaker[Session], event: str) -> list[dict[str, Any]]:
    with transaction(sessions) as session:
        rows = session.scalars(
            select(ledger.LedgerEntry.payload)
            .where(ledger.LedgerEntry.event == event)
            .order_by(ledger.LedgerEntry.seq)
        ).all()
    return [json.loads(row)["data"] for row in rows]


def occurrence(sessions: sessionmaker[Session], occurrence_id: int) -> tuple[str, str | None]:
    with transaction(sessions) as session:
        found = session.get(Occurrence, occurrence_id)
        assert found is not None
        return found.status, found.reason


# --- Slack ----------------------------------------------------------------------------------


def click_payload(
    action_id: str,
    value: str,
    *,
    user: str,
    channel: str = CHANNEL,
    message_ts: str | None = None,
    action_ts: str | None = None,
    home: bool = False,
    ephemeral_url: str | None = None,
) -> str:
    """A block_actions payload as Slack sends it for a button on a message, on an
    ephemeral message (answered through `ephemeral_url`) or on the App Home."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "api_app_id": "A0000APP",
        "trigger_id": uuid.uuid4().hex,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": action_ts or f"{time.time():.6f}",
            }
        ],
    }
    if home:
        payload["container"] = {"type": "view", "view_id": "VHOME"}
        payload["view"] = {"id": "VHOME", "type": "home"}
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral_url is not None,
        }
        payload["channel"] = {"id": channel}
        payload["message"] = {"ts": message_ts, "text": "routine"}
        payload["response_url"] = ephemeral_url or "http://127.0.0.1:9/unused"
    return urlencode({"payload": json.dumps(payload)})


def submission_payload(opened: Call, words: str, *, user: str) -> str:
    """The view_submission Slack sends when the modal `opened` (a views.open call) is sent."""
    view = dict(opened.params["view"])
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "api_app_id": "A0000APP",
        "trigger_id": uuid.uuid4().hex,
        "view": {
            **view,
            "id": "VMODAL1",
            "state": {"values": {"words": {"text": {"type": "plain_text_input", "value": words}}}},
        },
    }
    return urlencode({"payload": json.dumps(payload)})


@dataclass
class SlackRoutine:
    bot: RunningBot
    slack: FakeSlackApi
    occurrence_id: int
    message_ts: str  # the posted routine message, where the buttons sit

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.bot.services.sessions

    async def click(self, action_id: str, *, user: str = ANNA, **extra: Any) -> None:
        extra.setdefault("message_ts", self.message_ts)
        body = click_payload(action_id, str(self.occurrence_id), user=user, **extra)
        response = await self.bot.post_slack(body)
        assert response.status == 200

    async def submit(self, opened: Call, words: str, *, user: str = ANNA) -> dict[str, Any]:
        """Send the modal; returns Slack's view of the answer (empty when it closes)."""
        body = submission_payload(opened, words, user=user)
        headers = self.bot.signer.headers(body)
        async with self.bot.http.post(
            f"{self.bot.url}/slack/events", data=body, headers=headers
        ) as response:
            assert response.status == 200
            text = await response.text()
        return json.loads(text) if text.strip() else {}

    async def settle(self) -> None:
        """Wait for every acknowledged click to finish (the front end drains on close)."""
        assert self.bot.services.slack is not None
        await self.bot.services.slack.close()


def people(slack: FakeSlackApi) -> None:
    slack.users[ANNA] = {
        "id": ANNA,
        "name": "anna",
        "real_name": "Anna Andersson",
        "profile": {"display_name": "Anna", "email": "anna@example.com"},
    }
    slack.users[EVE] = {"id": EVE, "name": "eve", "profile": {"display_name": "Eve"}}


@pytest.fixture
def start_slack_routine(
    start_bot: Callable[[Settings], Any],
    bot_settings: Settings,
    fake_slack: FakeSlackApi,
    tmp_path: Path,
) -> Callable[..., Any]:
    async def start(evidence: str = "optional") -> SlackRoutine:
        catalogue = write_catalogue(
            tmp_path / "routines.yaml",
            post_to=f"{{platform: slack, channel: {CHANNEL}}}",
            assignee=f"slack:{ANNA}",
            evidence=evidence,
        )
        people(fake_slack)
        settings = bot_settings.model_copy(update={"routines_files": [str(catalogue)]})
        bot: RunningBot = await start_bot(settings)
        bot.services.clock = lambda: CLICKED
        occurrence_id = await post_due_routine(bot.services, catalogue)
        [post] = fake_slack.calls_to("chat.postMessage")
        assert post.params["channel"] == CHANNEL
        assert post.action_values(ACTION_CONFIRM) == [str(occurrence_id)]
        message_ts = posted_message_id(bot.services.sessions, occurrence_id)
        return SlackRoutine(bot, fake_slack, occurrence_id, message_ts)

    return start


def posted_message_id(sessions: sessionmaker[Session], occurrence_id: int) -> str:
    """Where the routine message landed (Slack ts / Teams activity id), as the bot stored it."""
    with transaction(sessions) as session:
        return session.scalars(
            select(PostedMessage.message_id).where(PostedMessage.occurrence_id == occurrence_id)
        ).one()


@pytest.fixture
async def slack_routine(start_slack_routine: Callable[..., Any]) -> SlackRoutine:
    routine: SlackRoutine = await start_slack_routine()
    return routine


async def test_slack_confirm_updates_the_routine_message_in_place_with_who_and_when(
    slack_routine: SlackRoutine,
) -> None:
    await slack_routine.click(ACTION_CONFIRM)

    [update] = await slack_routine.slack.wait_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, slack_routine.message_ts)
    assert "✅ Bekräftad av Anna, 2027-01-05 10:12" in update.blocks_text
    assert update.action_values(ACTION_CONFIRM) == []  # no buttons left to click
    assert occurrence(slack_routine.sessions, slack_routine.occurrence_id)[0] == "done"


async def test_slack_the_same_click_twice_and_a_double_click_are_recorded_once(
    slack_routine: SlackRoutine,
) -> None:
    same_click = f"{time.time():.6f}"
    await slack_routine.click(ACTION_CONFIRM, action_ts=same_click)
    await slack_routine.click(ACTION_CONFIRM, action_ts=same_click)  # a retried delivery
    await slack_routine.click(ACTION_CONFIRM)  # a second, impatient click
    await slack_routine.settle()

    sessions = slack_routine.sessions
    assert count(sessions, Confirmation) == 1
    assert len(ledger_payloads(sessions, ledger.CONFIRMATION_RECORDED)) == 1
    updates = slack_routine.slack.calls_to("chat.update")
    assert len(updates) == 2  # the retry is not answered; the double click shows the same
    assert {u.blocks_text for u in updates} == {updates[0].blocks_text}
    assert "✅ Bekräftad av Anna, 2027-01-05 10:12" in updates[0].blocks_text


async def test_slack_someone_else_gets_a_private_explanation_and_nothing_is_recorded(
    slack_routine: SlackRoutine,
) -> None:
    await slack_routine.click(ACTION_CONFIRM, user=EVE)

    [private] = await slack_routine.slack.wait_for("chat.postEphemeral")
    assert (private.params["channel"], private.params["user"]) == (CHANNEL, EVE)
    assert "tilldelad någon annan" in private.params["text"]
    await slack_routine.settle()
    assert slack_routine.slack.calls_to("chat.update") == []
    assert count(slack_routine.sessions, Confirmation) == 0
    assert ledger_payloads(slack_routine.sessions, ledger.CONFIRMATION_RECORDED) == []


async def test_slack_not_applicable_opens_a_modal_asking_for_the_reason(
    slack_routine: SlackRoutine,
) -> None:
    await slack_routine.click(ACTION_NOT_APPLICABLE)

    [opened] = await slack_routine.slack.wait_for("views.open")
    view = opened.params["view"]
    assert opened.params["trigger_id"]
    assert view["type"] == "modal" and view["title"]["text"] == "Ej tillämplig"
    assert view["blocks"][0]["label"]["text"] == "Varför är rutinen inte tillämplig?"
    await slack_routine.settle()
    assert slack_routine.slack.calls_to("chat.postEphemeral") == []  # no typed-command hint
    assert occurrence(slack_routine.sessions, slack_routine.occurrence_id)[0] == "open"


async def test_slack_a_submitted_reason_closes_the_occurrence_as_not_applicable(
    slack_routine: SlackRoutine,
) -> None:
    await slack_routine.click(ACTION_NOT_APPLICABLE)
    [opened] = await slack_routine.slack.wait_for("views.open")

    answer = await slack_routine.submit(opened, "Ingen kunddata detta kvartal")

    assert answer == {}  # the modal closes
    [update] = await slack_routine.slack.wait_for("chat.update")
    assert update.params["ts"] == slack_routine.message_ts
    assert (
        "➖ Ej tillämplig enligt Anna, 2027-01-05 10:12: Ingen kunddata detta kvartal"
        in update.blocks_text
    )
    status, reason = occurrence(slack_routine.sessions, slack_routine.occurrence_id)
    assert (status, reason) == ("not_applicable", "Ingen kunddata detta kvartal")
    [entry] = ledger_payloads(slack_routine.sessions, ledger.OCCURRENCE_NOT_APPLICABLE)
    # the ledger (immutable, kept) holds the reason's digest, never the free text
    assert entry["reason_sha256"] == sha256_hex("Ingen kunddata detta kvartal")
    assert "reason" not in entry
    assert entry["occurrence_id"] == slack_routine.occurrence_id


async def test_slack_a_blank_reason_keeps_the_modal_open_and_records_nothing(
    slack_routine: SlackRoutine,
) -> None:
    await slack_routine.click(ACTION_NOT_APPLICABLE)
    [opened] = await slack_routine.slack.wait_for("views.open")

    answer = await slack_routine.submit(opened, "   ")

    assert answer["response_action"] == "errors" and "words" in answer["errors"]
    assert occurrence(slack_routine.sessions, slack_routine.occurrence_id)[0] == "open"


async def test_slack_add_note_takes_a_link_in_a_modal_and_saves_it(
    slack_routine: SlackRoutine,
) -> None:
    await slack_routine.click(ACTION_NOTE)
    [opened] = await slack_routine.slack.wait_for("views.open")
    assert opened.params["view"]["blocks"][0]["label"]["text"] == (
        "Anteckning eller länk till underlag"
    )

    await slack_routine.submit(opened, "https://intranet.example/gallring-q1")

    [saved] = await slack_routine.slack.wait_for("chat.postEphemeral")
    assert saved.params["user"] == ANNA and "Anteckningen är sparad" in saved.params["text"]
    assert count(slack_routine.sessions, OccurrenceNote) == 1
    assert len(ledger_payloads(slack_routine.sessions, ledger.NOTE_ADDED)) == 1
    assert occurrence(slack_routine.sessions, slack_routine.occurrence_id)[0] == "open"


async def test_slack_confirming_where_evidence_is_required_asks_for_it_in_a_modal(
    start_slack_routine: Callable[..., Any],
) -> None:
    routine: SlackRoutine = await start_slack_routine(evidence="required")
    await routine.click(ACTION_CONFIRM)
    [opened] = await routine.slack.wait_for("views.open")
    assert opened.params["view"]["title"]["text"] == "Underlag krävs"

    await routine.submit(opened, "https://intranet.example/gallringslogg")

    [update] = await routine.slack.wait_for("chat.update")
    assert "✅ Bekräftad av Anna, 2027-01-05 10:12" in update.blocks_text
    [confirmation] = ledger_payloads(routine.sessions, ledger.CONFIRMATION_RECORDED)
    assert "note_sha256" in confirmation


async def test_slack_app_home_shows_my_pending_routines_with_buttons(
    slack_routine: SlackRoutine,
) -> None:
    home = {
        "type": "event_callback",
        "team_id": TEAM_ID,
        "event_id": "EvHOME1",
        "event": {"type": "app_home_opened", "user": ANNA, "channel": "D0ANNA", "tab": "home"},
    }
    response = await slack_routine.bot.post_slack(home)
    assert response.status == 200

    [published] = await slack_routine.slack.wait_for("views.publish")
    assert published.params["user_id"] == ANNA
    view = published.params["view"]
    text = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home" and "Gallring av kunddata" in text
    buttons = [
        (element["action_id"], element["value"])
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    oid = str(slack_routine.occurrence_id)
    assert (ACTION_CONFIRM, oid) in buttons and (ACTION_NOT_APPLICABLE, oid) in buttons


async def test_slack_confirming_on_app_home_refreshes_it_without_the_routine(
    slack_routine: SlackRoutine,
) -> None:
    body = click_payload(ACTION_CONFIRM, str(slack_routine.occurrence_id), user=ANNA, home=True)
    assert (await slack_routine.bot.post_slack(body)).status == 200

    [published] = await slack_routine.slack.wait_for("views.publish")
    assert "Gallring av kunddata" not in json.dumps(published.params["view"], ensure_ascii=False)
    assert occurrence(slack_routine.sessions, slack_routine.occurrence_id)[0] == "done"


async def test_slack_a_reason_for_a_routine_on_an_ephemeral_list_replaces_it_there(
    slack_routine: SlackRoutine,
) -> None:
    """`rutiner` in a channel answers privately (ephemeral): chat.update cannot reach such
    a message, its response_url can, also after the detour through the modal."""
    hook = slack_routine.slack.response_url("rutiner")
    await slack_routine.click(ACTION_NOT_APPLICABLE, message_ts="1700000099.000100",
                              ephemeral_url=hook)  # fmt: skip
    [opened] = await slack_routine.slack.wait_for("views.open")

    await slack_routine.submit(opened, "Ingen kunddata detta kvartal")

    [replaced] = await slack_routine.slack.wait_for("response_url")
    assert replaced.params["hook"] == "rutiner" and replaced.params["replace_original"]
    assert "➖ Ej tillämplig enligt Anna" in replaced.params["text"]
    assert occurrence(slack_routine.sessions, slack_routine.occurrence_id)[0] == "not_applicable"


async def test_slack_someone_else_clicking_on_an_ephemeral_list_is_told_through_its_response_url(
    slack_routine: SlackRoutine,
) -> None:
    """`/gdpr rutiner` answers where the bot may not be a member (a channel, two people's
    DM), so chat.postEphemeral could not reach the person there; the response_url can."""
    hook = slack_routine.slack.response_url("rutiner")
    await slack_routine.click(ACTION_CONFIRM, user=EVE, ephemeral_url=hook)

    [told] = await slack_routine.slack.wait_for("response_url")
    assert told.params["hook"] == "rutiner" and not told.params["replace_original"]
    assert "tilldelad någon annan" in told.params["text"]
    await slack_routine.settle()
    assert slack_routine.slack.calls_to("chat.postEphemeral") == []
    assert count(slack_routine.sessions, Confirmation) == 0


async def test_slack_a_reason_given_from_app_home_refreshes_the_home(
    slack_routine: SlackRoutine,
) -> None:
    body = click_payload(
        ACTION_NOT_APPLICABLE, str(slack_routine.occurrence_id), user=ANNA, home=True
    )
    assert (await slack_routine.bot.post_slack(body)).status == 200
    [opened] = await slack_routine.slack.wait_for("views.open")

    await slack_routine.submit(opened, "Ingen kunddata detta kvartal")

    [published] = await slack_routine.slack.wait_for("views.publish")
    assert "Gallring av kunddata" not in json.dumps(published.params["view"], ensure_ascii=False)
    assert occurrence(slack_routine.sessions, slack_routine.occurrence_id)[0] == "not_applicable"


# --- Teams ----------------------------------------------------------------------------------


@dataclass
class TeamsRoutine:
    teams: TeamsBotServer
    occurrence_id: int
    card_id: str  # the activity id of the posted routine card

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.teams.sessions


@pytest.fixture
def start_teams_routine(start_teams_bot: StartTeamsBot, tmp_path: Path) -> Callable[..., Any]:
    async def start(evidence: str = "optional", *, signed: bool = True) -> TeamsRoutine:
        catalogue = write_catalogue(
            tmp_path / "routines.yaml",
            post_to=f"{{platform: teams, person: {ANNA_AAD}}}",
            assignee=f"teams:{ANNA_AAD}",
            evidence=evidence,
        )
        teams = await start_teams_bot(signed=signed, routines_files=[str(catalogue)])
        teams.services.clock = lambda: CLICKED
        await teams.say("hej")  # Anna talks to the bot first: it now knows her personal chat
        teams.connector.clear()
        occurrence_id = await post_due_routine(teams.services, catalogue)
        post = only(teams.connector.messages())
        assert "Gallring av kunddata" in card_text(post.card)
        teams.connector.clear()
        card_id = posted_message_id(teams.sessions, occurrence_id)
        return TeamsRoutine(teams, occurrence_id, card_id)

    return start


@pytest.fixture
async def teams_routine(start_teams_routine: Callable[..., Any]) -> TeamsRoutine:
    routine: TeamsRoutine = await start_teams_routine()
    return routine


@pytest.fixture
async def unsigned_teams_routine(start_teams_routine: Callable[..., Any]) -> TeamsRoutine:
    """Teams in the insecure development mode (GDPRBOT_TEAMS_INSECURE_DEV, no app id):
    activities are unsigned, so whoever posts one can name any user."""
    routine: TeamsRoutine = await start_teams_routine(signed=False)
    return routine


async def test_teams_unsigned_ack_in_insecure_dev_mode_is_refused_and_records_nothing(
    unsigned_teams_routine: TeamsRoutine,
) -> None:
    teams, oid = unsigned_teams_routine.teams, unsigned_teams_routine.occurrence_id
    code = OccurrenceCodes(unsigned_teams_routine.sessions).code_of(oid)

    reply = only(await teams.say(f"ack {code}"))  # "from" Anna, the assignee, unsigned

    assert "GDPRBOT_TEAMS_INSECURE_DEV" in reply.activity["text"]
    assert occurrence(unsigned_teams_routine.sessions, oid)[0] == "open"
    assert count(unsigned_teams_routine.sessions, Confirmation) == 0
    assert ledger_payloads(unsigned_teams_routine.sessions, ledger.CONFIRMATION_RECORDED) == []
    assert ledger_payloads(unsigned_teams_routine.sessions, ledger.chain.CONFIRMATION_REFUSED) == []


async def test_teams_an_unsigned_button_click_in_insecure_dev_mode_is_refused(
    unsigned_teams_routine: TeamsRoutine,
) -> None:
    routine = unsigned_teams_routine
    reply = only(
        await routine.teams.click(ACTION_CONFIRM, str(routine.occurrence_id), on=routine.card_id)
    )
    assert reply.kind == "reply" and "GDPRBOT_TEAMS_INSECURE_DEV" in reply.activity["text"]
    assert count(routine.sessions, Confirmation) == 0


async def test_teams_questions_are_still_answered_in_insecure_dev_mode(
    unsigned_teams_routine: TeamsRoutine,
) -> None:
    reply = only(await unsigned_teams_routine.teams.say("hjälp"))
    assert "GDPRBOT_TEAMS_INSECURE_DEV" not in json.dumps(reply.activity, ensure_ascii=False)


async def test_teams_confirm_updates_the_card_in_place(teams_routine: TeamsRoutine) -> None:
    teams, oid = teams_routine.teams, str(teams_routine.occurrence_id)
    update = only(await teams.click(ACTION_CONFIRM, oid, on=teams_routine.card_id))
    assert update.kind == "update" and update.activity_id == teams_routine.card_id
    assert "✅ Bekräftad av Anna Andersson, 2027-01-05 10:12" in card_text(update.card)
    assert action_ids(update.card) == []
    assert occurrence(teams_routine.sessions, teams_routine.occurrence_id)[0] == "done"


async def test_teams_a_repeated_submit_and_a_double_click_are_recorded_once(
    teams_routine: TeamsRoutine,
) -> None:
    teams = teams_routine.teams
    submit = message_activity(
        teams.connector.url,
        id="submit-1",
        text=None,
        replyToId=teams_routine.card_id,
        value={"action_id": ACTION_CONFIRM, "value": str(teams_routine.occurrence_id)},
    )
    first = await teams.send(submit)
    retried = await teams.send(submit)  # the same activity again
    again = await teams.click(
        ACTION_CONFIRM, str(teams_routine.occurrence_id), on=teams_routine.card_id
    )

    assert [c.kind for c in first] == ["update"] and retried == []
    assert card_text(only(again).card) == card_text(first[0].card)
    assert count(teams_routine.sessions, Confirmation) == 1
    assert len(ledger_payloads(teams_routine.sessions, ledger.CONFIRMATION_RECORDED)) == 1


async def test_teams_a_confirm_acknowledged_but_not_worked_on_is_recorded_once_later(
    teams_routine: TeamsRoutine,
) -> None:
    """The click is stored before its 200; the process fails before working on it (as if
    killed); after the lease the recovery (any replica's) records it, once."""
    teams, oid = teams_routine.teams, teams_routine.occurrence_id
    worker = teams.front_end._inbox
    assert worker is not None
    working = worker._work

    async def dies(*args: Any) -> None:
        raise RuntimeError("killed before the turn")

    worker._work = dies
    click = message_activity(
        teams.connector.url, id="click-then-crash", text=None, replyToId=teams_routine.card_id,
        value={"action_id": ACTION_CONFIRM, "value": str(oid)},
    )  # fmt: skip
    assert (await teams.post(click))[0] == 200
    assert count(teams_routine.sessions, Confirmation) == 0
    worker._work = working
    teams.services.clock = lambda: (
        CLICKED + timedelta(seconds=teams.services.settings.inbox_lease_seconds + 1)
    )

    assert await worker.recover_once() == 1
    assert await worker.recover_once() == 0  # done: the row is gone

    update = only(teams.connector.calls)
    assert update.kind == "update" and update.activity_id == teams_routine.card_id
    assert occurrence(teams_routine.sessions, oid)[0] == "done"
    assert count(teams_routine.sessions, Confirmation) == 1
    assert len(ledger_payloads(teams_routine.sessions, ledger.CONFIRMATION_RECORDED)) == 1


async def test_teams_someone_else_is_told_privately_and_nothing_is_recorded(
    teams_routine: TeamsRoutine,
) -> None:
    teams = teams_routine.teams
    eve = message_activity(
        teams.connector.url,
        id="eve-click",
        text=None,
        replyToId="eve-copy-of-card",
        **{
            "from": {"id": "29:eve", "aadObjectId": "aad-eve", "name": "Eve"},
            "conversation": {"id": "a:eve-personal", "conversationType": "personal"},
        },
        value={"action_id": ACTION_CONFIRM, "value": str(teams_routine.occurrence_id)},
    )
    reply = only(await teams.send(eve))
    assert reply.kind == "reply" and reply.conversation_id == "a:eve-personal"
    assert "tilldelad någon annan" in reply.activity["text"]
    assert count(teams_routine.sessions, Confirmation) == 0


async def test_teams_not_applicable_with_the_card_reason_closes_the_occurrence(
    teams_routine: TeamsRoutine,
) -> None:
    teams = teams_routine.teams
    update = only(
        await teams.click(
            ACTION_NOT_APPLICABLE,
            str(teams_routine.occurrence_id),
            on=teams_routine.card_id,
            reason="Ingen kunddata detta kvartal",
        )
    )
    assert update.kind == "update" and update.activity_id == teams_routine.card_id
    assert "➖ Ej tillämplig enligt Anna Andersson, 2027-01-05 10:12: Ingen kunddata" in (
        card_text(update.card)
    )
    assert occurrence(teams_routine.sessions, teams_routine.occurrence_id) == (
        "not_applicable",
        "Ingen kunddata detta kvartal",
    )
    [entry] = ledger_payloads(teams_routine.sessions, ledger.OCCURRENCE_NOT_APPLICABLE)
    # the ledger (immutable, kept) holds the reason's digest, never the free text
    assert entry["reason_sha256"] == sha256_hex("Ingen kunddata detta kvartal")
    assert "reason" not in entry


async def test_teams_not_applicable_without_a_reason_asks_for_it_on_a_card(
    teams_routine: TeamsRoutine,
) -> None:
    teams = teams_routine.teams
    reply = only(
        await teams.click(
            ACTION_NOT_APPLICABLE, str(teams_routine.occurrence_id), on=teams_routine.card_id
        )
    )
    assert reply.card is not None
    [field] = [e for e in reply.card["body"] if e["type"] == "Input.Text"]
    assert field["id"] == "reason" and field["isRequired"]
    assert action_ids(reply.card) == [ACTION_NOT_APPLICABLE]
    assert occurrence(teams_routine.sessions, teams_routine.occurrence_id)[0] == "open"


async def test_teams_confirming_where_evidence_is_required_asks_for_it_on_a_card(
    start_teams_routine: Callable[..., Any],
) -> None:
    routine: TeamsRoutine = await start_teams_routine(evidence="required")
    teams, oid = routine.teams, str(routine.occurrence_id)

    asked = only(await teams.click(ACTION_CONFIRM, oid, on=routine.card_id))
    assert asked.card is not None
    [field] = [e for e in asked.card["body"] if e["type"] == "Input.Text"]
    assert field["id"] == "note" and action_ids(asked.card) == [ACTION_CONFIRM]
    assert occurrence(routine.sessions, routine.occurrence_id)[0] == "open"

    link = "https://intranet.example/gallringslogg"
    update = only(await teams.click(ACTION_CONFIRM, oid, on=routine.card_id, note=link))
    assert update.kind == "update" and update.activity_id == routine.card_id
    assert "✅ Bekräftad av Anna Andersson, 2027-01-05 10:12" in card_text(update.card)
    [confirmation] = ledger_payloads(routine.sessions, ledger.CONFIRMATION_RECORDED)
    assert "note_sha256" in confirmation
