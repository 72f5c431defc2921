"""Dispatching the outbox: claim with a lease, send through the Notifier, then mark sent.

Any number of dispatchers (threads, replicas) may run at once:
- a claim takes pending rows whose lease is free (PostgreSQL: FOR UPDATE SKIP LOCKED;
  SQLite: a conditional UPDATE, writers being serialised by BEGIN IMMEDIATE) and stamps
  them with the owner and `claimed_until = now + lease`;
- a row is marked sent only after the Notifier returned, together with its ledger entry
  (sends that complete meanwhile are marked in one transaction: a group commit);
- a failed send releases the row with a back-off (`not_before`), never marks it sent;
- a dispatcher that dies after claiming simply lets the lease run out: the next claim
  after `claimed_until` takes the row over;
- a live dispatcher sends a claimed row only while half its lease is left, and releases
  the rest, so a slow batch never overlaps a takeover. The one window that can still post twice is
  "sent, then died before the sent-mark committed" (Slack and Teams have no idempotency
  key), i.e. from the platform's answer until the group commit, milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
import time as clock_time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.catalog import Catalog, Target
from routines.engine import problems
from routines.engine.models import (
    FAILED,
    PENDING,
    PROBLEM,
    SENT,
    UPDATE,
    Notification,
    Occurrence,
    PostedMessage,
)
from routines.engine.outbox import LEDGER_EVENT, Job, backoff, claim_ids, prepare
from routines.ports import Delivered, DeliveryError, Notifier
from storage.clock import as_utc
from storage.sessions import transaction

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class DispatchReport:
    sent: dict[str, int] = field(default_factory=dict)  # by outbox kind
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    duplicates: int = 0  # sent, but another dispatcher had already marked it sent
    released: int = 0  # claimed but not sent before half the lease ran out; claimed again
    notifier_seconds: float = 0.0  # time spent inside Notifier.send (for the benchmark)
    database_cpu_seconds: float = 0.0  # CPU time of claiming and marking (for the benchmark)

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())


class Dispatcher:
    def __init__(
        self,
        factory: sessionmaker[Session],
        notifier: Notifier,
        catalog: Catalog,
        *,
        owner: str,
        lease_seconds: int = 120,
        batch_size: int = 100,
        concurrency: int = 8,
        language: str = "sv",
        problem_contacts: Sequence[Target] = (),
    ) -> None:
        self.factory = factory
        self.problem_contacts = tuple(problem_contacts)  # told when a channel is unreachable
        self.notifier = notifier
        self.catalog = catalog
        self.owner = owner
        self.lease = timedelta(seconds=lease_seconds)
        self.batch_size = batch_size
        self.concurrency = max(1, concurrency)
        self.language = language

    # --- claiming ----------------------------------------------------------------------

    def claim(self, now: datetime, limit: int | None = None) -> tuple[list[Job], int]:
        """Claim up to `limit` ready rows; returns the jobs to send and how many were claimed
        (rows no longer needed are cancelled instead of returned)."""
        now = as_utc(now)
        with transaction(self.factory) as session:
            ids = claim_ids(
                session, now, limit or self.batch_size, owner=self.owner, lease=self.lease
            )
            if not ids:
                return [], 0
            rows = session.scalars(
                select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)
            ).all()
            wanted = {row.occurrence_id for row in rows}
            # one query for all, instead of one per row (keeps the per-post overhead small)
            occurrences = {
                o.id: o
                for o in session.scalars(select(Occurrence).where(Occurrence.id.in_(wanted)))
            }
            jobs = [
                job
                for row in rows
                if (
                    job := prepare(
                        session,
                        row,
                        occurrences.get(row.occurrence_id),
                        self.catalog,
                        self.language,
                        now,
                    )
                )
            ]
            return jobs, len(ids)

    # --- settling ----------------------------------------------------------------------

    def mark_sent(self, job: Job, delivered: Delivered, now: datetime) -> bool:
        """Record a successful send; False if another dispatcher already recorded it."""
        return bool(self.mark_sent_many([(job, delivered)], now))

    def mark_sent_many(self, results: Sequence[tuple[Job, Delivered]], now: datetime) -> set[int]:
        """Record successful sends in one transaction (group commit), each with its ledger
        entry; returns the notification ids this dispatcher won (the others had already
        been marked sent by a dispatcher that took over an expired lease)."""
        now = as_utc(now)
        table = cast(Table, Notification.__table__)
        with transaction(self.factory) as session:
            connection = session.connection()
            won = set(
                connection.scalars(
                    update(table)
                    .where(
                        table.c.id.in_([job.notification_id for job, _ in results]),
                        table.c.status == PENDING,
                    )
                    .values(status=SENT, sent_at=now, claimed_until=None, last_error=None)
                    .returning(table.c.id)
                )
            )
            mine = [
                (job, delivered)
                for job, delivered in results
                if job.notification_id in won and job.kind not in (UPDATE, PROBLEM)
            ]
            if not mine:
                return won
            connection.execute(
                insert(cast(Table, PostedMessage.__table__)),
                [
                    {
                        "notification_id": job.notification_id,
                        "occurrence_id": job.occurrence_id,
                        "platform": delivered.recipient.platform,
                        "conversation_id": delivered.conversation_id or job.recipient.address,
                        "message_id": delivered.message_id,
                        "created_at": now,
                    }
                    for job, delivered in mine
                ],
            )
            # one head lock and one insert for the whole group, not one per post
            ledger.append_events(
                session,
                [
                    (
                        LEDGER_EVENT[job.kind],
                        {
                            "occurrence_id": job.occurrence_id,
                            "routine_id": job.notice.routine_id,
                            "kind": job.kind,
                            "platform": job.recipient.platform,
                            "recipient": (
                                job.recipient.address
                                if job.recipient.kind == "channel"
                                else "person"
                            ),
                            "notification_id": job.notification_id,
                        },
                    )
                    for job, _ in mine
                ],
                now,
            )
            return won

    def mark_failed(self, job: Job, error: Exception, now: datetime) -> bool:
        """Release the row for a later retry (True) or give up on it for good (False)."""
        retry = not isinstance(error, DeliveryError) or error.retryable
        now = as_utc(now)
        with transaction(self.factory) as session:
            row = session.get(Notification, job.notification_id)
            if row is None or row.status != PENDING:
                return retry
            row.last_error = f"{error.__class__.__name__}: {error}"[:500]
            row.claimed_by = None
            row.claimed_until = None
            if retry:
                delay = getattr(error, "retry_after", None)
                wait = backoff(row.attempts)
                if isinstance(delay, int | float) and delay > 0:
                    wait = max(wait, timedelta(seconds=float(delay)))
                row.not_before = now + wait
            else:
                row.status = FAILED
                problem = getattr(error, "problem", "")
                routine = self.catalog.get(job.notice.routine_id)
                channel_post = job.recipient.kind == "channel" and job.kind not in (UPDATE, PROBLEM)
                if problem and channel_post and routine is not None:
                    problems.record(
                        session,
                        row,
                        routine,
                        job.recipient,
                        problem,
                        str(error),
                        now,
                        self.problem_contacts,
                    )
        log.warning(
            "routine notification not delivered",
            extra={"notification_id": job.notification_id, "retry": retry,
                   "error": error.__class__.__name__},
        )  # fmt: skip
        return retry

    # --- the loop ----------------------------------------------------------------------

    async def dispatch(
        self, now: datetime, clock: Callable[[], datetime] | None = None
    ) -> DispatchReport:
        """Send everything ready at `now` (re-reading `clock` between batches if given)."""
        report = DispatchReport()
        settler = _Settler(self, report)
        try:
            while True:
                moment = as_utc(clock() if clock else now)
                (jobs, claimed), cpu = await asyncio.to_thread(_with_cpu, self.claim, moment)
                report.database_cpu_seconds += cpu
                report.cancelled += claimed - len(jobs)
                if not claimed:
                    return report
                await self._send_all(jobs, moment, clock, report, settler)
        finally:
            await settler.drain()

    async def _send_all(
        self,
        jobs: Sequence[Job],
        now: datetime,
        clock: Callable[[], datetime] | None,
        report: DispatchReport,
        settler: _Settler,
    ) -> None:
        gate = asyncio.Semaphore(self.concurrency)
        # Send only while at least half the lease is left: a slow batch (a busy machine, a
        # rate-limited platform) must not post rows another replica may already have taken
        # over. The rest are released at once and claimed again with a fresh lease.
        fresh_until = now + self.lease / 2
        stale: list[int] = []

        async def one(job: Job) -> None:
            async with gate:
                if clock is not None and as_utc(clock()) >= fresh_until:
                    stale.append(job.notification_id)
                    return
                started = clock_time.perf_counter()
                try:
                    if job.target is not None:
                        await self.notifier.update(job.target, job.notice)
                        delivered = job.target
                    else:
                        delivered = await self.notifier.send(job.recipient, job.notice)
                except Exception as exc:
                    report.notifier_seconds += clock_time.perf_counter() - started
                    retry = await asyncio.to_thread(
                        self.mark_failed, job, exc, clock() if clock else now
                    )
                    if retry:
                        report.retried += 1
                    else:
                        report.failed += 1
                    return
                report.notifier_seconds += clock_time.perf_counter() - started
                settler.add(job, delivered, clock() if clock else now)

        await asyncio.gather(*(one(job) for job in jobs))
        if stale:
            report.released += len(stale)
            await asyncio.to_thread(self.release, stale)

    def release(self, notification_ids: Sequence[int]) -> None:
        """Give up our lease on rows we did not send (only if it is still ours)."""
        with transaction(self.factory) as session:
            session.execute(
                update(Notification)
                .where(
                    Notification.id.in_(notification_ids),
                    Notification.status == PENDING,
                    Notification.claimed_by == self.owner,
                )
                .values(claimed_until=None)
            )


class _Settler:
    """Marks sent posts in the background, grouping whatever has completed meanwhile.

    The next post goes out while the previous ones commit, so the database work overlaps
    the platform's latency. A post is "sent but not yet marked" only until its group
    commits (milliseconds): that is the crash window in which a takeover re-posts it.
    """

    MAX_GROUP = 200

    def __init__(self, dispatcher: Dispatcher, report: DispatchReport) -> None:
        self.dispatcher = dispatcher
        self.report = report
        self.pending: list[tuple[Job, Delivered, datetime]] = []
        self.task: asyncio.Task[None] | None = None

    def add(self, job: Job, delivered: Delivered, now: datetime) -> None:
        self.pending.append((job, delivered, now))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while self.pending:
            group, self.pending = self.pending[: self.MAX_GROUP], self.pending[self.MAX_GROUP :]
            results = [(job, delivered) for job, delivered, _ in group]
            try:
                won, cpu = await asyncio.to_thread(
                    _with_cpu, self.dispatcher.mark_sent_many, results, group[-1][2]
                )
                self.report.database_cpu_seconds += cpu
            except Exception:
                # Not marked: the lease runs out and a dispatcher posts them again.
                log.exception("could not mark routine notifications sent")
                continue
            for job, _ in results:
                if job.notification_id in won:
                    self.report.sent[job.kind] = self.report.sent.get(job.kind, 0) + 1
                else:
                    self.report.duplicates += 1

    async def drain(self) -> None:
        while self.task is not None and not self.task.done():
            await self.task


def _with_cpu(function: Callable[..., T], *args: Any) -> tuple[T, float]:
    """Run `function` (in a worker thread) and return its result and that thread's CPU time."""
    started = clock_time.thread_time()
    result = function(*args)
    return result, clock_time.thread_time() - started
