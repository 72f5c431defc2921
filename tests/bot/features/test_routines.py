"""The routines chat feature with plain `Incoming` values: list, confirm, not applicable,
note, double click, wrong person; and through the conversation's word routing."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import pytest

from bot.authz import Policy
from bot.chat.conversation import Conversation
from bot.chat.messages import Action, ConversationRef, Incoming
from bot.features.routines import RoutineFeature, actor_of
from bot.records.codes import OccurrenceCodes, occurrence_code
from routines.catalog import load_catalog
from routines.ports import (
    ACTION_CONFIRM,
    ACTION_NOT_APPLICABLE,
    ACTION_NOTE,
    Delivered,
    Notice,
    Recipient,
)
from routines.service import RoutineService
from storage.clock import utc_now
from storage.engines import make_engine
from storage.migrate import create_schema
from storage.sessions import session_factory
from testing.directory import StaticDirectory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CLICK_TIME = datetime(2027, 1, 5, 10, 12, tzinfo=STOCKHOLM)
CATALOGUE = """\
routines:
  - id: retention
    title: {sv: Gallring av kunddata, en: Customer data retention}
    gdpr: ["5(1)(e)"]
    schedule: {every: quarter, anchor: 2026-10-01}
    business_days: true
    due_days: 14
    post_to: [{platform: slack, channel: C0GDPR}]
    assignees: {people: ["slack:UANNA", "slack:UBO"], confirm: CONFIRM}
    evidence: optional
"""


class NullNotifier:
    async def send(self, recipient: Recipient, notice: Notice) -> Delivered:
        return Delivered(recipient, "1700000000.000100")

    async def update(self, delivered: Delivered, notice: Notice) -> None:
        return None


CHANNEL_CATALOGUE = """\
routines:
  - id: retention
    title: {sv: Gallring av kunddata, en: Customer data retention}
    schedule: {every: quarter, anchor: 2026-10-01}
    due_days: 14
    post_to: [{platform: slack, channel: C0TEAMB}]
    assignees: channel
"""
# Team B's channel: Bo is in it, Eve is not.
TEAM_B = StaticDirectory(members={"C0TEAMB": {"UBO"}})


async def feature_for(
    tmp_path: Path,
    confirm: str = "any",
    *,
    catalogue: str = CATALOGUE,
    policy: Policy | None = None,
) -> tuple[RoutineFeature, int]:
    path = tmp_path / "routines.yaml"
    path.write_text(textwrap.dedent(catalogue.replace("CONFIRM", confirm)), encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    create_schema(engine)
    service = RoutineService(
        session_factory(engine), load_catalog([path], include_default=False), NullNotifier()
    )
    await service.tick(datetime(2026, 12, 20, 8, tzinfo=STOCKHOLM))
    report = await service.tick(datetime(2027, 1, 4, 9, tzinfo=STOCKHOLM))
    [created] = report.created
    policy = policy or Policy(directories={"slack": TEAM_B})
    codes = OccurrenceCodes(service.factory)
    chat = RoutineFeature(service, clock=lambda: CLICK_TIME, policy=policy, codes=codes)
    return chat, created.occurrence_id


def code(chat: RoutineFeature, occurrence_id: int) -> str:
    return chat.codes.code_of(occurrence_id)


@pytest.fixture
async def feature(tmp_path: Path) -> tuple[RoutineFeature, int]:
    return await feature_for(tmp_path)


def message(user: str, text: str, name: str = "Anna", *, direct: bool = True) -> Incoming:
    return Incoming(
        platform="slack",
        user_id=user,
        text=text,
        display_name=name,
        conversation=ConversationRef("slack", "D0ANNA" if direct else "C0GDPR"),
        is_direct=direct,
    )


def click(user: str, action_id: str, value: int, name: str = "Anna", **inputs: str) -> Incoming:
    return Incoming(
        platform="slack",
        user_id=user,
        text="",
        display_name=name,
        conversation=ConversationRef("slack", "C0GDPR"),
        action=Action(action_id, str(value), inputs, message_id="1700000000.000100"),
    )


async def test_rutiner_lists_my_open_occurrences_with_three_buttons(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, occurrence_id = feature
    header, item = await chat.on_command("routines", "", message("UANNA", "rutiner"), "sv")
    assert f"(#{code(chat, occurrence_id)})" in item.text
    assert header.text == "Dina öppna rutiner (1):"
    assert "Gallring av kunddata" in item.text and "klart senast 2027-01-18" in item.text
    assert [(b.action_id, b.label, b.value) for b in item.buttons] == [
        (ACTION_CONFIRM, "Bekräfta klart", str(occurrence_id)),
        (ACTION_NOT_APPLICABLE, "Ej tillämplig", str(occurrence_id)),
        (ACTION_NOTE, "Lägg till anteckning", str(occurrence_id)),
    ]


async def test_someone_with_nothing_open_is_told_so(feature: tuple[RoutineFeature, int]) -> None:
    chat, _ = feature
    [reply] = await chat.on_command("routines", "", message("UEVE", "routines", "Eve"), "en")
    assert reply.text == "You have no open routines right now. 🎉"


async def test_confirm_replaces_the_message_with_who_and_when_in_swedish(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, occurrence_id = feature
    [reply] = await chat.on_action(click("UANNA", ACTION_CONFIRM, occurrence_id), "sv")
    assert reply.replaces == "1700000000.000100"
    assert reply.text == "*Gallring av kunddata*\n✅ Bekräftad av Anna, 2027-01-05 10:12"
    assert reply.buttons == () and not reply.private


async def test_confirm_in_english(feature: tuple[RoutineFeature, int]) -> None:
    chat, occurrence_id = feature
    [reply] = await chat.on_action(click("UANNA", ACTION_CONFIRM, occurrence_id), "en")
    assert "✅ Confirmed by Anna, 2027-01-05 10:12" in reply.text


async def test_a_double_click_gives_the_same_message_and_is_recorded_once(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, occurrence_id = feature
    [first] = await chat.on_action(click("UANNA", ACTION_CONFIRM, occurrence_id), "sv")
    [second] = await chat.on_action(click("UANNA", ACTION_CONFIRM, occurrence_id), "sv")
    assert second.text == first.text and second.replaces == first.replaces


async def test_the_wrong_person_gets_a_polite_private_explanation(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, occurrence_id = feature
    [reply] = await chat.on_action(click("UEVE", ACTION_CONFIRM, occurrence_id, "Eve"), "sv")
    assert reply.private and reply.replaces is None
    assert "tilldelad någon annan" in reply.text
    header, _item = await chat.on_command("routines", "", message("UANNA", "rutiner"), "sv")
    assert header.text == "Dina öppna rutiner (1):"  # nothing was recorded


async def test_with_confirm_all_the_message_keeps_its_buttons_until_everyone_confirmed(
    tmp_path: Path,
) -> None:
    chat, occurrence_id = await feature_for(tmp_path, confirm="all")
    [reply] = await chat.on_action(click("UANNA", ACTION_CONFIRM, occurrence_id), "sv")
    assert "✅ Bekräftad av Anna" in reply.text and "1 till behöver bekräfta." in reply.text
    assert [b.action_id for b in reply.buttons][:1] == [ACTION_CONFIRM]


async def test_not_applicable_with_a_reason_from_the_card_input(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, occurrence_id = feature
    action = click("UBO", ACTION_NOT_APPLICABLE, occurrence_id, "Bo", reason="Ingen kunddata")
    [reply] = await chat.on_action(action, "sv")
    assert reply.replaces == "1700000000.000100"
    assert "➖ Ej tillämplig enligt Bo, 2027-01-05 10:12: Ingen kunddata" in reply.text


async def test_not_applicable_without_a_reason_asks_for_one_privately(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, occurrence_id = feature
    [reply] = await chat.on_action(click("UBO", ACTION_NOT_APPLICABLE, occurrence_id, "Bo"), "en")
    assert reply.private and f"na {code(chat, occurrence_id)} <reason>" in reply.text


async def test_a_note_from_the_card_input_is_saved(feature: tuple[RoutineFeature, int]) -> None:
    chat, occurrence_id = feature
    action = click("UANNA", ACTION_NOTE, occurrence_id, note="https://intranet/gallring-q1")
    [reply] = await chat.on_action(action, "sv")
    assert reply.private and reply.text == "📎 Anteckningen är sparad."


async def test_typed_commands_work_where_there_are_no_buttons(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, occurrence_id = feature
    typed = code(chat, occurrence_id).upper()  # codes are case-blind
    [reply] = await chat.on_command("ack", typed, message("UANNA", f"kvittera {typed}"), "sv")
    assert "✅ Bekräftad av Anna" in reply.text


async def test_a_sequential_number_is_not_accepted_in_chat(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, occurrence_id = feature
    typed = str(occurrence_id)
    [bad] = await chat.on_command("ack", typed, message("UANNA", f"kvittera {typed}"), "sv")
    assert bad.private and "kod" in bad.text and "Bekräftad" not in bad.text


async def test_a_code_that_names_no_open_occurrence_is_explained(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, _ = feature
    [bad] = await chat.on_command("ack", "zzzzzz", message("UANNA", "kvittera zzzzzz"), "en")
    assert bad.private and "zzzzzz" in bad.text


@pytest.mark.parametrize(
    ("command", "typed", "lang", "example"),
    [
        ("na", "ejtillämplig", "sv", "`ejtillämplig k7m2qp <anledning>`"),
        ("note", "anteckning", "sv", "`anteckning k7m2qp <text eller länk>`"),
        ("ack", "kvittera", "sv", "`kvittera k7m2qp`"),
        ("na", "na", "en", "`na k7m2qp <reason>`"),
    ],
)
async def test_a_command_without_a_code_shows_how_to_type_that_command(
    feature: tuple[RoutineFeature, int], command: str, typed: str, lang: str, example: str
) -> None:
    chat, _ = feature
    [bad] = await chat.on_command(command, "", message("UANNA", typed), lang)
    assert bad.private and example in bad.text


def test_codes_are_six_characters_without_look_alikes_and_differ_per_occurrence(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, _ = feature
    codes = [code(chat, i) for i in range(1, 2001)]
    assert all(len(c) == 6 and not set(c) & set("01ilo") for c in codes)
    # Six of 31 characters: under a random key two of 2,000 codes coincide about once in
    # 440 keys, and the feature's key is drawn per test; distinctness under a fixed key
    assert len({occurrence_code(b"a fixed key", i) for i in range(1, 2001)}) == 2000


async def test_an_unknown_occurrence_number_is_explained(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, _ = feature
    [reply] = await chat.on_action(click("UANNA", ACTION_CONFIRM, 99999), "en")
    assert reply.private and code(chat, 99999) in reply.text


class NoAnswers:
    """Routine words never reach the answerer; a question would fail the test."""

    def answer(self, question: str, lang: object = None) -> NoReturn:
        raise AssertionError(f"asked the knowledge base: {question!r}")


async def test_the_conversation_routes_rutiner_and_button_clicks_to_the_feature(
    feature: tuple[RoutineFeature, int],
) -> None:
    chat, occurrence_id = feature
    conversation = Conversation(NoAnswers(), features=[chat], clock=utc_now)
    replies = await conversation.handle(message("UANNA", "rutiner"))
    assert replies[0].text == "Dina öppna rutiner (1):"
    [reply] = await conversation.handle(click("UANNA", ACTION_CONFIRM, occurrence_id))
    assert "✅ Bekräftad av Anna, 2027-01-05 10:12" in reply.text


# --- channel-assigned routines: only the channel's members --------------------------------


@pytest.fixture
async def channel_feature(tmp_path: Path) -> tuple[RoutineFeature, int]:
    return await feature_for(tmp_path, catalogue=CHANNEL_CATALOGUE)


async def test_someone_outside_the_channel_cannot_confirm_by_typing_in_a_dm(
    channel_feature: tuple[RoutineFeature, int],
) -> None:
    chat, occurrence_id = channel_feature
    typed = code(chat, occurrence_id)
    [reply] = await chat.on_command("ack", typed, message("UEVE", f"ack {typed}", "Eve"), "en")
    assert reply.private and "not one of them" in reply.text
    header, _item = await chat.on_command("routines", "", message("UBO", "routines", "Bo"), "en")
    assert header.text == "Your open routines (1):"  # still open for team B


def last_ledger_event(tmp_path: Path) -> dict[str, Any]:
    with sqlite3.connect(tmp_path / "bot.db") as db:
        (payload,) = db.execute(
            "SELECT payload FROM ledger_entries ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    return dict(json.loads(payload))


async def test_a_refused_click_is_a_confirmation_refused_ledger_entry_without_ids(
    channel_feature: tuple[RoutineFeature, int], tmp_path: Path
) -> None:
    chat, occurrence_id = channel_feature
    [reply] = await chat.on_action(click("UEVE", ACTION_CONFIRM, occurrence_id, "Eve"), "sv")
    assert reply.private and reply.replaces is None
    entry = last_ledger_event(tmp_path)
    assert entry["event"] == "confirmation.refused"
    assert entry["data"]["occurrence_id"] == occurrence_id
    assert "UEVE" not in json.dumps(entry) and "Eve" not in json.dumps(entry)


async def test_a_channel_member_confirms(channel_feature: tuple[RoutineFeature, int]) -> None:
    chat, occurrence_id = channel_feature
    [reply] = await chat.on_action(click("UBO", ACTION_CONFIRM, occurrence_id, "Bo"), "sv")
    assert "Bekräftad av Bo" in reply.text


@pytest.mark.parametrize("command", ["na", "note"])
async def test_no_applicable_and_notes_are_refused_outside_the_channel_too(
    channel_feature: tuple[RoutineFeature, int], command: str
) -> None:
    chat, occurrence_id = channel_feature
    typed = code(chat, occurrence_id)
    incoming = message("UEVE", f"{command} {typed} x", "Eve")
    [reply] = await chat.on_command(command, f"{typed} x", incoming, "en")
    assert "not one of them" in reply.text


async def test_routines_lists_channel_work_only_to_its_members(
    channel_feature: tuple[RoutineFeature, int],
) -> None:
    chat, _ = channel_feature
    [eve] = await chat.on_command("routines", "", message("UEVE", "routines", "Eve"), "en")
    assert eve.text == "You have no open routines right now. 🎉"
    header, _item = await chat.on_command("routines", "", message("UBO", "routines", "Bo"), "en")
    assert header.text == "Your open routines (1):"


def test_a_teams_email_is_not_handed_to_the_routines_engine() -> None:
    teams = Incoming(
        platform="teams", user_id="aad-eve", text="", email="bo@example.com",
        conversation=ConversationRef("teams", "a:eve"),
    )  # fmt: skip
    assert actor_of(teams).email is None
    slack = Incoming(
        platform="slack", user_id="UBO", text="", email="bo@example.com",
        conversation=ConversationRef("slack", "D0BO"),
    )  # fmt: skip
    assert actor_of(slack).email == "bo@example.com"
