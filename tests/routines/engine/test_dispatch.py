"""The outbox: reminders, re-reminders and escalations on cadence; retries; lease takeover."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from routines import ledger
from routines.catalog import Catalog
from routines.engine.acknowledgements import Actor
from routines.engine.models import FAILED, PENDING, SENT
from routines.engine.outbox import BACKOFF_BASE_SECONDS
from routines.service import RoutineService
from storage.sessions import session_factory, transaction
from tests.routines.routine_env import (
    RecordingNotifier,
    at,
    catalog_from,
    make_service,
    occurrences,
    outbox,
)

# Posted Monday 2027-01-04 09:00, due 2027-01-18; reminders 7 and 1 day before, then
# every 3 days overdue; escalation 5 days overdue.
TEAM = """\
routines:
  - id: retention
    title: {sv: Gallring, en: Retention review}
    gdpr: ["5(1)(e)"]
    schedule: {every: quarter, anchor: 2026-10-01}
    business_days: true
    due_days: 14
    post_to: [{platform: slack, channel: C0GDPR}]
    assignees: {people: ["slack:UANNA", "slack:UBO"], confirm: all}
    remind: {before: [7, 1], every: 3}
    escalate: {after_days: 5, to: [{platform: slack, person: UBOSS}]}
"""
ANNA = Actor("slack", "UANNA", "Anna")
BO = Actor("slack", "UBO", "Bo")


@pytest.fixture
def team(tmp_path: Path) -> Catalog:
    return catalog_from(tmp_path, TEAM)


async def started(engine: Engine, catalog: Catalog, notifier: RecordingNotifier) -> RoutineService:
    """Installed on 2026-12-20; the quarter's occurrence posted on 2027-01-04 09:00."""
    service = make_service(engine, catalog, notifier)
    await service.tick(at("2026-12-20 08:00"))
    await service.tick(at("2027-01-04 09:00"))
    return service


async def test_reminders_re_reminders_and_escalation_follow_the_cadence(
    engine: Engine, team: Catalog
) -> None:
    notifier = RecordingNotifier()
    service = await started(engine, team, notifier)
    by_day: dict[str, list[str]] = {}
    for offset in range(1, 30):
        day = at("2027-01-04 09:00") + timedelta(days=offset)
        report = await service.tick(day)
        kinds = [f"{k}:{n}" for k, n in sorted(report.dispatch.sent.items())]
        if kinds:
            by_day[day.date().isoformat()] = kinds
    assert by_day == {
        "2027-01-11": ["reminder:2"],  # 7 days before, to Anna and Bo
        "2027-01-17": ["reminder:2"],  # 1 day before
        "2027-01-21": ["rereminder:2"],  # 3 days overdue
        "2027-01-23": ["escalation:1"],  # 5 days overdue, to the boss
        "2027-01-24": ["rereminder:2"],
        "2027-01-27": ["rereminder:2"],
        "2027-01-30": ["rereminder:2"],
        "2027-02-02": ["rereminder:2"],
    }
    [(boss, escalation)] = notifier.of_kind("escalation")
    assert boss.address == "UBOSS"
    assert "UANNA, UBO" in escalation.text  # names unknown until they have spoken to the bot


async def test_re_reminders_go_only_to_those_who_have_not_confirmed(
    engine: Engine, team: Catalog
) -> None:
    notifier = RecordingNotifier()
    service = await started(engine, team, notifier)
    [occurrence] = occurrences(engine)
    service.confirm(occurrence.id, ANNA, at("2027-01-05 10:00"))
    await service.tick(at("2027-01-11 09:00"))
    assert [r.address for r, _ in notifier.of_kind("reminder")] == ["UBO"]


async def test_no_reminder_after_the_occurrence_is_done(engine: Engine, team: Catalog) -> None:
    notifier = RecordingNotifier()
    service = await started(engine, team, notifier)
    [occurrence] = occurrences(engine)
    service.confirm(occurrence.id, ANNA, at("2027-01-05 10:00"))
    service.confirm(occurrence.id, BO, at("2027-01-05 10:05"))
    for offset in range(1, 40):
        await service.tick(at("2027-01-05 09:00") + timedelta(days=offset))
    assert notifier.kinds() == ["posted"]


async def test_a_reminder_queued_before_the_confirmation_is_cancelled_not_sent(
    engine: Engine, team: Catalog
) -> None:
    notifier = RecordingNotifier()
    service = await started(engine, team, notifier)
    service.plan(at("2027-01-11 09:00"))  # queued, not yet dispatched
    [occurrence] = occurrences(engine)
    service.confirm(occurrence.id, ANNA, at("2027-01-11 09:01"))
    service.confirm(occurrence.id, BO, at("2027-01-11 09:01"))
    report = await service.dispatcher.dispatch(at("2027-01-11 09:02"))
    assert report.cancelled == 2
    assert report.sent == {"update": 1}  # only the channel post is edited: no buttons left
    assert notifier.of_kind("reminder") == []


async def test_a_failed_post_is_retried_with_backoff_and_never_marked_sent(
    engine: Engine, team: Catalog
) -> None:
    notifier = RecordingNotifier(failures=2)
    service = make_service(engine, team, notifier)
    await service.tick(at("2026-12-20 08:00"))
    first = await service.tick(at("2027-01-04 09:00"))
    assert first.dispatch.retried == 1 and notifier.sent == []
    [row] = outbox(engine)
    assert row.status == PENDING and row.sent_at is None and row.attempts == 1
    assert row.last_error and "503" in row.last_error
    # not before the back-off has passed
    assert (await service.tick(at("2027-01-04 09:00:10"))).dispatch.retried == 0
    second = await service.tick(at("2027-01-04 09:00") + timedelta(seconds=BACKOFF_BASE_SECONDS))
    assert second.dispatch.retried == 1
    third = await service.tick(at("2027-01-04 09:05"))
    assert third.dispatch.sent == {"post": 1}
    [row] = outbox(engine)
    assert row.status == SENT and row.attempts == 3
    assert len(notifier.sent) == 1


async def test_a_permanent_delivery_error_is_kept_as_failed_not_sent(
    engine: Engine, team: Catalog
) -> None:
    notifier = RecordingNotifier(failures=1, retryable=False)
    service = make_service(engine, team, notifier)
    await service.tick(at("2026-12-20 08:00"))
    report = await service.tick(at("2027-01-04 09:00"))
    assert report.dispatch.failed == 1
    [row] = outbox(engine)
    assert row.status == FAILED and row.sent_at is None


async def test_a_claim_left_by_a_dead_dispatcher_is_taken_over_after_the_lease(
    engine: Engine, team: Catalog
) -> None:
    dead = make_service(engine, team, RecordingNotifier(), owner="dead", lease_seconds=120)
    await dead.tick(at("2026-12-20 08:00"))
    now = at("2027-01-04 09:00")
    dead.plan(now)
    jobs, claimed = dead.dispatcher.claim(now)
    assert claimed == 1 and len(jobs) == 1  # ... and then the process is killed

    notifier = RecordingNotifier()
    survivor = make_service(engine, team, notifier, owner="survivor", lease_seconds=120)
    during_lease = await survivor.tick(now + timedelta(seconds=60))
    assert during_lease.dispatch.total_sent == 0
    after_lease = await survivor.tick(now + timedelta(seconds=121))
    assert after_lease.dispatch.sent == {"post": 1}
    [row] = outbox(engine)
    assert row.status == SENT and row.claimed_by == "survivor"
    assert len(notifier.sent) == 1


async def test_a_slow_dispatcher_finishing_after_takeover_is_counted_as_a_duplicate(
    engine: Engine, team: Catalog
) -> None:
    """The documented window: sent, but the sent-mark lost to a takeover."""
    slow = make_service(engine, team, RecordingNotifier(), owner="slow")
    await slow.tick(at("2026-12-20 08:00"))
    now = at("2027-01-04 09:00")
    slow.plan(now)
    [job], _ = slow.dispatcher.claim(now)
    fast = make_service(engine, team, RecordingNotifier(), owner="fast")
    await fast.tick(now + timedelta(seconds=200))
    delivered = await RecordingNotifier().send(job.recipient, job.notice)
    assert slow.dispatcher.mark_sent(job, delivered, now + timedelta(seconds=201)) is False


DAILY = """\
routines:
  - id: daily
    title: {sv: Daglig kontroll, en: Daily check}
    schedule: "0 9 * * *"
    start: 2027-01-01
    post_to: [{platform: slack, channel: C0OPS}]
    assignees: channel
"""


async def test_two_dispatchers_racing_over_the_same_outbox_post_each_once(
    tmp_path: Path, engine: Engine
) -> None:
    catalog = catalog_from(tmp_path, DAILY)
    notifiers = [RecordingNotifier(), RecordingNotifier()]
    services = [
        make_service(engine, catalog, n, owner=f"replica-{i}") for i, n in enumerate(notifiers)
    ]
    now = at("2027-02-19 10:00")
    planned = services[0].plan(now)
    assert len(planned.created) == 50
    for service in services:
        service.dispatcher.batch_size = 7  # many small claims interleave
    reports = await asyncio.gather(*(s.dispatcher.dispatch(now) for s in services))
    posted = [n.occurrence_id or 0 for notifier in notifiers for _, n in notifier.sent]
    assert sorted(posted) == sorted(c.occurrence_id for c in planned.created)
    assert sum(r.total_sent for r in reports) == 50
    assert all(row.status == SENT for row in outbox(engine))
    with transaction(session_factory(engine)) as session:
        entries = session.scalar(
            select(func.count())
            .select_from(ledger.LedgerEntry)
            .where(ledger.LedgerEntry.event == ledger.REMINDER_POSTED)
        )
    assert entries == 50


async def test_once_closed_the_posted_messages_are_updated_in_place_without_buttons(
    engine: Engine, team: Catalog
) -> None:
    notifier = RecordingNotifier()
    service = await started(engine, team, notifier)
    await service.tick(at("2027-01-11 09:00"))  # reminders to Anna and Bo: m2, m3
    [occurrence] = occurrences(engine)
    service.confirm(occurrence.id, ANNA, at("2027-01-12 10:00"))
    service.confirm(occurrence.id, BO, at("2027-01-12 10:12"), message_id="m3")
    report = await service.tick(at("2027-01-12 10:13"))
    assert report.dispatch.sent == {"update": 2}
    edited = sorted(delivered.message_id for delivered, _ in notifier.updated)
    assert edited == ["m1", "m2"]  # m3 was the clicked one: the chat replaced it already
    notice = notifier.updated[0][1]
    assert notice.actions == () and notice.text == "✅ Bekräftad av Bo, 2027-01-12 10:12"
