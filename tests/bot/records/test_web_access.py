"""Sign-in links and web sessions in the database (SQLite + PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from bot.records.web_access import (
    WebAccessStore,
    WebSession,
    WebSignInLink,
    forget_web_access,
    purge_web_access,
)
from bot.web.keys import digest, new_id
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 5, 20, 8, 0, tzinfo=UTC)
TEN = timedelta(minutes=10)


@pytest.fixture
def store(engine: Engine) -> WebAccessStore:
    return WebAccessStore(session_factory(engine))


@pytest.fixture
def person(store: WebAccessStore) -> str:
    identity = store.identify("slack", "U0DPO", NOW, display_name="Dana", email="dana@x.se")
    assert identity is not None
    return identity.person_key


def test_only_a_digest_of_the_link_is_kept(
    store: WebAccessStore, person: str, engine: Engine
) -> None:
    link = new_id()
    store.issue_link(person, link, via="chat", now=NOW, lifetime=TEN)

    with session_factory(engine)() as session:
        (row,) = session.scalars(select(WebSignInLink))
    assert row.token_hash == digest(link) != link


def test_a_link_works_once(store: WebAccessStore, person: str) -> None:
    link = new_id()
    store.issue_link(person, link, via="chat", now=NOW, lifetime=TEN)

    assert store.check_link(link, NOW).status == "valid"
    assert store.consume_link(link, NOW).person_key == person
    assert store.consume_link(link, NOW).status == "used"
    assert store.consume_link(new_id(), NOW).status == "unknown"


def test_a_link_expires_after_its_lifetime(store: WebAccessStore, person: str) -> None:
    link = new_id()
    store.issue_link(person, link, via="cli", now=NOW, lifetime=TEN)

    assert store.consume_link(link, NOW + TEN).status == "expired"


def test_two_clicks_at_once_sign_in_once(store: WebAccessStore, person: str) -> None:
    link = new_id()
    store.issue_link(person, link, via="chat", now=NOW, lifetime=TEN)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: store.consume_link(link, NOW).status, range(4)))

    assert sorted(results) == ["used", "used", "used", "valid"]


def test_a_session_lives_until_it_expires_or_ends(store: WebAccessStore, person: str) -> None:
    first, second = new_id(), new_id()
    store.start_session(person, first, now=NOW, lifetime=timedelta(hours=8))
    store.start_session(person, second, now=NOW, lifetime=timedelta(hours=8))

    signed_in = store.signed_in(first, NOW + timedelta(hours=7))
    assert signed_in is not None and signed_in.email == "dana@x.se"
    assert store.signed_in(first, NOW + timedelta(hours=8)) is None
    store.end_session(second)
    assert store.signed_in(second, NOW) is None


def test_purge_and_erasure_leave_nothing(
    store: WebAccessStore, person: str, engine: Engine
) -> None:
    store.issue_link(person, new_id(), via="chat", now=NOW, lifetime=TEN)
    store.start_session(person, new_id(), now=NOW, lifetime=timedelta(hours=8))
    factory = session_factory(engine)

    with transaction(factory) as session:
        assert purge_web_access(session, NOW + timedelta(hours=1)) == 0
        assert purge_web_access(session, NOW + timedelta(days=2)) == 2
    store.start_session(person, new_id(), now=NOW, lifetime=timedelta(hours=8))
    with transaction(factory) as session:
        assert forget_web_access(session, person) == 1
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0


def test_a_register_extract_lists_links_and_sessions_by_time_only(
    store: WebAccessStore, person: str, engine: Engine
) -> None:
    from bot.records.web_access import web_access_of

    link, session_id = new_id(), new_id()
    store.issue_link(person, link, via="chat", now=NOW, lifetime=TEN)
    store.start_session(person, session_id, now=NOW, lifetime=timedelta(hours=8))

    with session_factory(engine)() as session:
        extract = web_access_of(session, person)

    assert [entry["via"] for entry in extract["sign_in_links"]] == ["chat"]
    assert len(extract["sessions"]) == 1
    assert link not in str(extract) and session_id not in str(extract)
