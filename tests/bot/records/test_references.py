"""Stored conversation references (SQLite and PostgreSQL): saved once, found by any id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from bot.platforms.teams.activities import references_from_activity
from bot.records.references import (
    count_references,
    find_reference,
    forget_person,
    save_reference,
    save_references,
)
from storage.people import person_key_for
from storage.sessions import session_factory, transaction
from tests.bot.platforms.teams.fixtures import channel_activity, message_activity

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def remember_activity(session: Any, activity: dict[str, Any], now: datetime) -> int:
    """What the Teams front end stores for an Activity (through the pipeline's claim)."""
    return save_references(session, references_from_activity(activity), now)


SERVICE_URL = "https://smba.example/emea/"
CHANNEL = "19:kundservice@thread.tacv2"


def message(**overrides: Any) -> dict[str, Any]:
    return message_activity(SERVICE_URL, **overrides)


def channel_message(**overrides: Any) -> dict[str, Any]:
    return channel_activity(SERVICE_URL, **overrides)


def test_a_personal_message_stores_a_personal_reference(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        assert remember_activity(session, message(), NOW) == 1
    with transaction(sessions) as session:
        stored = find_reference(session, "teams", "person", "aad-anna")
    assert stored is not None
    assert stored.personal
    assert stored.conversation_id == "a:anna-personal"
    assert stored.reference["serviceUrl"] == SERVICE_URL


def test_the_same_person_is_found_by_user_id_and_by_aad_id_in_any_case(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        remember_activity(session, message(), NOW)
    with transaction(sessions) as session:
        by_user_id = find_reference(session, "teams", "person", "29:anna")
        by_aad = find_reference(session, "teams", "person", "AAD-ANNA")
    assert by_user_id is not None and by_aad is not None
    assert by_user_id.ref_key == by_aad.ref_key == "aad-anna"


def test_a_person_is_found_by_e_mail_through_the_people_table(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        remember_activity(session, message(), NOW)
        person_key_for(session, "teams", "aad-anna", NOW, email="anna@example.se")
    with transaction(sessions) as session:
        stored = find_reference(session, "teams", "person", "Anna@Example.se")
        nobody = find_reference(session, "teams", "person", "bertil@example.se")
    assert stored is not None and stored.ref_key == "aad-anna"
    assert nobody is None


def test_saving_again_refreshes_the_one_row(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        remember_activity(session, message(), NOW)
        remember_activity(session, message(serviceUrl="https://smba.example/moved/"), NOW)
    with transaction(sessions) as session:
        stored = find_reference(session, "teams", "person", "aad-anna")
        total = count_references(session, "teams")
    assert total == 1
    assert stored is not None and stored.reference["serviceUrl"] == "https://smba.example/moved/"


def test_a_channel_message_stores_the_channel_and_a_group_reference_to_the_sender(
    engine: Engine,
) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        assert remember_activity(session, channel_message(), NOW) == 2
    with transaction(sessions) as session:
        channel = find_reference(session, "teams", "channel", CHANNEL)
        person = find_reference(session, "teams", "person", "aad-anna")
    assert channel is not None
    assert channel.conversation_id == CHANNEL
    assert channel.reference["conversation"]["id"] == CHANNEL
    assert person is not None and not person.personal


def test_a_group_reference_never_replaces_a_personal_one(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        remember_activity(session, message(), NOW)
        remember_activity(session, channel_message(), NOW + timedelta(minutes=1))
    with transaction(sessions) as session:
        person = find_reference(session, "teams", "person", "aad-anna")
    assert person is not None
    assert person.personal and person.conversation_id == "a:anna-personal"


def test_forgetting_a_person_removes_their_references_only(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        remember_activity(session, channel_message(), NOW)
        assert forget_person(session, "teams", "aad-anna") == 1
    with transaction(sessions) as session:
        assert find_reference(session, "teams", "person", "aad-anna") is None
        assert find_reference(session, "teams", "channel", CHANNEL) is not None


def test_references_are_kept_apart_per_platform(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        save_reference(
            session,
            platform="slack",
            kind="channel",
            ref_key="C123",
            conversation_id="C123",
            reference={"channel": "C123"},
            now=NOW,
        )
    with transaction(sessions) as session:
        assert find_reference(session, "teams", "channel", "C123") is None
        assert find_reference(session, "slack", "channel", "C123") is not None
