"""The durable inbox: stored once with its claim, forgotten when done, taken over after
its lease, by one taker only, and dropped after repeated failures. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from bot.records.events import HandledEvent
from bot.records.inbox import MAX_ATTEMPTS, InboxRow, InboxStore
from storage.sessions import session_factory

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
LEASE = 30.0


@pytest.fixture
def inbox(engine: Engine) -> InboxStore:
    return InboxStore(session_factory(engine), lease_seconds=LEASE)


def rows(engine: Engine, model: type) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


async def test_an_event_is_stored_with_its_claim_once(inbox: InboxStore, engine: Engine) -> None:
    first = await inbox.accept("slack", "Ev1", "action", "payload=1", NOW)
    again = await inbox.accept("slack", "Ev1", "action", "payload=1", NOW)

    assert first is not None and again is None
    assert rows(engine, InboxRow) == 1
    assert rows(engine, HandledEvent) == 1


async def test_a_processed_event_leaves_no_payload(inbox: InboxStore, engine: Engine) -> None:
    item = await inbox.accept("slack", "Ev1", "action", "payload=1", NOW)
    assert item is not None

    await inbox.done(item)

    assert rows(engine, InboxRow) == 0
    assert await inbox.take_due("slack", later(LEASE * 10)) == []


async def test_an_unfinished_event_is_taken_over_only_after_its_lease(inbox: InboxStore) -> None:
    item = await inbox.accept("slack", "Ev1", "message", '{"x": 1}', NOW)

    assert await inbox.take_due("slack", later(LEASE - 1)) == []
    [taken] = await inbox.take_due("slack", later(LEASE + 1))
    assert (taken.id, taken.kind, taken.body) == (item, "message", '{"x": 1}')
    assert await inbox.take_due("slack", later(LEASE + 2)) == []  # leased anew to its taker
    assert await inbox.take_due("teams", later(LEASE * 10)) == []  # per platform


async def test_an_event_failing_again_and_again_is_dropped(
    inbox: InboxStore, engine: Engine
) -> None:
    await inbox.accept("slack", "Ev1", "action", "payload=1", NOW)
    moment = NOW
    taken = 0
    for _ in range(MAX_ATTEMPTS + 2):
        moment += timedelta(seconds=LEASE + 1)
        taken += len(await inbox.take_due("slack", moment))

    assert taken == MAX_ATTEMPTS - 1
    assert rows(engine, InboxRow) == 0


async def test_events_arriving_together_are_stored_together_each_once(
    inbox: InboxStore, engine: Engine
) -> None:
    keys = [f"Ev{n % 40}" for n in range(60)]  # 20 of them twice

    items = await asyncio.gather(
        *(inbox.accept("slack", key, "action", f"payload={key}", NOW) for key in keys)
    )

    stored = [item for item in items if item is not None]
    assert len(stored) == len(set(stored)) == 40
    assert rows(engine, InboxRow) == 40
    await asyncio.gather(*(inbox.done(item) for item in stored))
    assert rows(engine, InboxRow) == 0


async def test_events_arriving_together_are_each_claimed_once(
    inbox: InboxStore, engine: Engine
) -> None:
    assert await inbox.accept("slack", "Ev0", "action", "payload=0", NOW) is not None
    stored = await asyncio.gather(
        *(inbox.accept("slack", key, "action", f"payload={key}", NOW)
          for key in ("Ev1", "Ev1", "Ev0", "Ev2"))
    )  # fmt: skip

    assert [item is not None for item in stored] == [True, False, False, True]
    assert rows(engine, InboxRow) == 3
    assert rows(engine, HandledEvent) == 3


async def test_events_stored_together_each_get_the_id_of_their_own_payload(
    inbox: InboxStore,
) -> None:
    assert await inbox.accept("slack", "Ev3", "action", "payload=Ev3", NOW) is not None
    keys = ["Ev1", "Ev2", "Ev1", "Ev3", "Ev4", "Ev2", "Ev5"]

    items = await asyncio.gather(
        *(inbox.accept("slack", key, "action", f"payload={key}", NOW) for key in keys)
    )

    due = {item.id: item.body for item in await inbox.take_due("slack", later(LEASE + 1))}
    mine = {item: f"payload={key}" for key, item in zip(keys, items, strict=True) if item}
    assert [item is not None for item in items] == [True, True, False, False, True, False, True]
    assert mine == {item: body for item, body in due.items() if item in mine}
