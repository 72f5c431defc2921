"""Occurrences: created once, from the first sighting on, caught up after downtime, DST-safe.

Every test runs on a SQLite file and on PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from routines import ledger
from routines.catalog import Catalog
from routines.engine.models import MISSED, OPEN, Notification, Occurrence
from storage.sessions import session_factory, transaction
from tests.routines.routine_env import (
    RecordingNotifier,
    at,
    catalog_from,
    count,
    make_service,
    occurrences,
    outbox,
)

QUARTERLY = """\
routines:
  - id: retention
    title: {sv: Gallring, en: Retention review}
    gdpr: ["5(1)(e)"]
    schedule: {every: quarter, anchor: 2026-01-01}
    business_days: true
    due_days: 14
    post_to: [{platform: slack, channel: C0GDPR}]
    assignees: channel
"""

DAILY_0230 = """\
routines:
  - id: nightly
    title: {sv: Nattkontroll, en: Nightly check}
    schedule: "30 2 * * *"
    post_to: [{platform: console, channel: ops}]
    assignees: channel
"""


def quarter_starts(*years: int) -> list[date]:
    return [date(year, month, 1) for year in years for month in (1, 4, 7, 10)]


@pytest.fixture
def quarterly(tmp_path: Path) -> Catalog:
    return catalog_from(tmp_path, QUARTERLY)


async def test_nothing_is_created_before_the_first_scheduled_date_after_first_load(
    engine: Engine, quarterly: Catalog
) -> None:
    service = make_service(engine, quarterly, RecordingNotifier())
    report = await service.tick(at("2026-11-20 10:00"))
    assert report.created == []
    assert occurrences(engine) == []


async def test_quarterly_routine_over_two_years_posts_on_shifted_working_days(
    engine: Engine, quarterly: Catalog
) -> None:
    notifier = RecordingNotifier()
    service = make_service(engine, quarterly, notifier)
    await service.tick(at("2025-12-15 08:00"))  # first load
    for quarter_start in quarter_starts(2026, 2027):
        # every day from the day before each quarter until the first working day is past
        for offset in range(-1, 5):
            day = quarter_start + timedelta(days=offset)
            await service.tick(at(f"{day.isoformat()} 09:30"))
    posted = [(o.scheduled_date.isoformat(), o.post_date.isoformat()) for o in occurrences(engine)]
    assert posted == [
        ("2026-01-01", "2026-01-02"), ("2026-04-01", "2026-04-01"),
        ("2026-07-01", "2026-07-01"), ("2026-10-01", "2026-10-01"),
        ("2027-01-01", "2027-01-04"), ("2027-04-01", "2027-04-01"),
        ("2027-07-01", "2027-07-01"), ("2027-10-01", "2027-10-01"),
    ]  # fmt: skip
    assert len(notifier.of_kind("posted")) == 8
    assert not any(o.created_late for o in occurrences(engine))


async def test_the_holiday_occurrence_is_not_posted_before_the_next_working_day(
    engine: Engine, quarterly: Catalog
) -> None:
    service = make_service(engine, quarterly, RecordingNotifier())
    await service.tick(at("2026-12-20 08:00"))
    assert (await service.tick(at("2027-01-01 09:30"))).created == []
    assert (await service.tick(at("2027-01-03 23:00"))).created == []
    [created] = (await service.tick(at("2027-01-04 09:00"))).created
    assert (created.scheduled_date, created.post_date, created.due_date) == (
        date(2027, 1, 1), date(2027, 1, 4), date(2027, 1, 18)
    )  # fmt: skip


async def test_catch_up_after_ten_days_down_creates_and_posts_once_marked_late(
    engine: Engine, quarterly: Catalog
) -> None:
    notifier = RecordingNotifier()
    service = make_service(engine, quarterly, notifier)
    await service.tick(at("2027-03-25 09:00"))
    # down from 03-26 to 04-05: the 04-01 occurrence fell due meanwhile
    report = await service.tick(at("2027-04-05 11:00"))
    [created] = report.created
    assert created.post_date == date(2027, 4, 1) and created.late
    [occurrence] = occurrences(engine)
    assert occurrence.created_late and occurrence.status == OPEN
    again = await service.tick(at("2027-04-05 11:01"))
    assert again.created == [] and len(notifier.of_kind("posted")) == 1
    assert "Postas i efterhand" in notifier.sent[0][1].text


async def test_catch_up_never_invents_occurrences_from_before_first_load(
    engine: Engine, quarterly: Catalog
) -> None:
    service = make_service(engine, quarterly, RecordingNotifier())
    report = await service.tick(at("2027-05-10 09:00"))  # fresh installation
    assert report.created == []
    assert count(engine, Occurrence) == 0


async def test_a_start_date_lets_catch_up_reach_back_to_it(tmp_path: Path, engine: Engine) -> None:
    catalog = catalog_from(tmp_path, QUARTERLY + "    start: 2027-01-01\n")
    service = make_service(engine, catalog, RecordingNotifier())
    report = await service.tick(at("2027-05-10 09:00"))
    assert [c.scheduled_date for c in report.created] == [date(2027, 1, 1), date(2027, 4, 1)]
    assert all(c.late for c in report.created)


async def test_an_older_open_occurrence_past_due_is_missed_when_the_next_one_arrives(
    engine: Engine, quarterly: Catalog
) -> None:
    service = make_service(engine, quarterly, RecordingNotifier())
    await service.tick(at("2026-12-20 08:00"))
    await service.tick(at("2027-01-04 09:00"))
    await service.tick(at("2027-04-01 09:00"))
    first, second = occurrences(engine)
    assert (first.status, second.status) == (MISSED, OPEN)


async def test_two_replicas_ticking_at_once_create_and_post_each_occurrence_once(
    engine: Engine, quarterly: Catalog
) -> None:
    notifiers = [RecordingNotifier(), RecordingNotifier()]
    replicas = [make_service(engine, quarterly, n, owner=f"r{i}") for i, n in enumerate(notifiers)]
    await replicas[0].tick(at("2026-12-20 08:00"))
    reports = await asyncio.gather(*(r.tick(at("2027-01-04 09:05")) for r in replicas))
    assert sum(len(r.created) for r in reports) == 1
    assert sum(len(n.sent) for n in notifiers) == 1
    assert count(engine, Notification) == 1


async def test_a_replica_that_ticked_before_another_created_the_next_one_does_not_double_it(
    tmp_path: Path, engine: Engine
) -> None:
    """Each replica remembers the latest occurrences between ticks (read again once a
    minute): one that ticked before another replica created the next occurrence finds it
    by its insert and neither creates nor posts it again."""
    notifiers = [RecordingNotifier(), RecordingNotifier()]
    daily = catalog_from(tmp_path, DAILY_0230)
    first, second = (make_service(engine, daily, n, owner=f"r{i}") for i, n in enumerate(notifiers))
    await first.tick(at("2027-01-04 02:35"))  # remembers the 4 January one as the latest
    await second.tick(at("2027-01-05 02:35"))  # creates the 5 January one
    report = await first.tick(at("2027-01-05 02:40"))
    assert report.created == []
    assert [o.scheduled_date for o in occurrences(engine)] == [date(2027, 1, 4), date(2027, 1, 5)]
    assert [len(n.sent) for n in notifiers] == [1, 1]


async def test_creation_is_a_ledger_event_in_the_same_transaction(
    engine: Engine, quarterly: Catalog
) -> None:
    service = make_service(engine, quarterly, RecordingNotifier())
    await service.tick(at("2026-12-20 08:00"))
    await service.tick(at("2027-01-04 09:00"))
    with transaction(session_factory(engine)) as session:
        events = list(
            session.scalars(select(ledger.LedgerEntry.event).order_by(ledger.LedgerEntry.seq))
        )
        assert ledger.verify(session).ok
    assert events == [ledger.OCCURRENCE_CREATED, ledger.REMINDER_POSTED]


async def test_a_nightly_routine_across_the_march_switch_is_neither_skipped_nor_doubled(
    tmp_path: Path, engine: Engine
) -> None:
    service = make_service(engine, catalog_from(tmp_path, DAILY_0230), RecordingNotifier())
    await service.tick(at("2027-03-27 00:00"))
    moment = at("2027-03-27 00:00").astimezone(UTC)
    for _ in range(3 * 12):  # every 2 hours of real time over three days, incl. 2027-03-28
        moment += timedelta(hours=2)
        await service.tick(moment)
    assert [o.scheduled_date for o in occurrences(engine)] == [
        date(2027, 3, 27), date(2027, 3, 28), date(2027, 3, 29)
    ]  # fmt: skip


async def test_a_nightly_routine_across_the_october_switch_is_neither_skipped_nor_doubled(
    tmp_path: Path, engine: Engine
) -> None:
    service = make_service(engine, catalog_from(tmp_path, DAILY_0230), RecordingNotifier())
    await service.tick(at("2027-10-30 00:00"))
    moment = at("2027-10-30 00:00").astimezone(UTC)
    for _ in range(3 * 24):  # every hour of real time: the doubled hour is ticked twice
        moment += timedelta(hours=1)
        await service.tick(moment)
    assert [o.scheduled_date for o in occurrences(engine)] == [
        date(2027, 10, 30), date(2027, 10, 31), date(2027, 11, 1)
    ]  # fmt: skip
    assert len(outbox(engine)) == 3
