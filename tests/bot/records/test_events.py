"""Handled platform events: the first claim wins, every repeat loses (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from bot.records.events import EventLog, HandledEvent, claim_event, event_key, purge_events
from storage.clock import as_utc
from storage.sessions import session_factory, transaction

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def claim(engine: Engine, platform: str, event_id: str, now: datetime = NOW) -> bool:
    with transaction(session_factory(engine)) as session:
        return claim_event(session, platform, event_id, now)


def test_first_claim_wins_and_a_repeat_loses(engine: Engine) -> None:
    assert claim(engine, "slack", "Ev1") is True
    assert claim(engine, "slack", "Ev1") is False


def test_the_same_id_on_another_platform_is_another_event(engine: Engine) -> None:
    claim(engine, "slack", "Ev1")

    assert claim(engine, "teams", "Ev1") is True


def test_a_lost_claim_leaves_the_transaction_usable(engine: Engine) -> None:
    claim(engine, "slack", "Ev1")

    with transaction(session_factory(engine)) as session:
        assert claim_event(session, "slack", "Ev1", NOW) is False
        assert claim_event(session, "slack", "Ev2", NOW) is True


def test_old_events_are_purged_and_recent_ones_kept(engine: Engine) -> None:
    claim(engine, "slack", "old", NOW - timedelta(days=2))
    claim(engine, "slack", "new", NOW)

    with transaction(session_factory(engine)) as session:
        assert purge_events(session, now=NOW) == 1

    assert claim(engine, "slack", "old") is True
    assert claim(engine, "slack", "new") is False


async def test_stored_keys_hold_no_platform_id_and_only_the_hour(engine: Engine) -> None:
    log = EventLog(session_factory(engine), secret=b"s" * 32)
    clicked = NOW + timedelta(minutes=17, seconds=3)
    assert await log.claim("slack", "1700000000.123456:UEVE0001", clicked) is True
    assert await log.claim("slack", "1700000000.123456:UEVE0001", clicked) is False
    with transaction(session_factory(engine)) as session:
        rows = session.execute(select(HandledEvent.event_id, HandledEvent.handled_at)).all()
    [(stored, handled_at)] = rows
    assert "UEVE0001" not in stored and "1700000000" not in stored
    assert stored == event_key("slack", "1700000000.123456:UEVE0001", b"s" * 32)
    assert as_utc(handled_at) == NOW  # 12:17:03 kept as 12:00


def test_without_the_secret_a_key_cannot_be_recomputed_from_an_id() -> None:
    key = "1700000000.123456:UEVE0001"
    assert event_key("slack", key, b"a" * 32) != event_key("slack", key, b"b" * 32)
    assert event_key("slack", key, b"a" * 32) != event_key("slack", key, None)
