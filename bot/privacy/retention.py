"""Retention (Art. 5(1)(e)): the daily privacy job and the pseudonymisation of old identities."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from bot.privacy.erase import erase_identity
from bot.records.events import DEFAULT_KEEP, purge_events
from bot.records.inbox import purge_inbox
from bot.records.questions import purge_questions
from bot.records.references import ConversationRefRow
from bot.records.report_links import purge_report_downloads
from bot.records.web_access import purge_web_access
from routines.engine.models import (
    CLOSED_STATUSES,
    Confirmation,
    Occurrence,
    OccurrenceAssignee,
    OccurrenceNote,
)
from routines.ledger import PERSON_ERASED, LedgerEntry
from routines.requests.register import purge_requests
from storage.clock import DEFAULT_TIMEZONE, as_utc, utc_now
from storage.people import Person
from storage.sessions import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DailyResult:
    questions_purged: int
    events_purged: int
    identities_pseudonymised: int
    web_access_purged: int = 0  # spent sign-in links and expired web sessions
    reports_purged: int = 0  # report files whose download link expired
    requests_purged: int = 0  # rights-request register rows past GDPRBOT_REQUESTS_YEARS
    inbox_purged: int = 0  # raw payloads no worker finished (poison rows, older than a week)
    idle_identities_forgotten: int = 0  # no evidence, no duty, not seen for the idle days


def years_before(now: datetime, years: int) -> datetime:
    """The same calendar moment `years` years earlier (29 February becomes 28 February)."""
    moment = as_utc(now)
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def _evidence_times() -> Any:
    """(person_key, at) for every piece of evidence that names a person. Being assigned
    counts from when the occurrence closed (or was created): a missed duty names them in
    the adherence reports as much as a confirmation does."""
    return union_all(
        select(Confirmation.person_key.label("k"), Confirmation.created_at.label("at")),
        select(
            OccurrenceAssignee.person_key,
            func.coalesce(Occurrence.closed_at, Occurrence.created_at),
        ).join(Occurrence, Occurrence.id == OccurrenceAssignee.occurrence_id),
        select(OccurrenceNote.person_key, OccurrenceNote.created_at),
        select(Occurrence.closed_by, Occurrence.closed_at).where(Occurrence.closed_by.is_not(None)),
        select(LedgerEntry.person_key, LedgerEntry.created_at).where(
            LedgerEntry.person_key.is_not(None), LedgerEntry.event != literal(PERSON_ERASED)
        ),
    ).subquery()


def pseudonymise_old_identities(session: Session, *, now: datetime, years: int) -> list[str]:
    """Remove the identity of everyone whose newest evidence is older than `years` years.

    Strictly older: evidence exactly `years` years old is kept one more day. People with
    no evidence at all are not touched (they are users, not evidence), nor anyone still
    assigned to an open occurrence (they have a duty pending; their evidence is not final).
    """
    cutoff = years_before(now, years)
    evidence = _evidence_times()
    newest = select(evidence.c.k).group_by(evidence.c.k).having(func.max(evidence.c.at) < cutoff)
    pending = (
        select(OccurrenceAssignee.person_key)
        .join(Occurrence, Occurrence.id == OccurrenceAssignee.occurrence_id)
        .where(Occurrence.status.not_in(sorted(CLOSED_STATUSES)))
    )
    people = session.scalars(
        select(Person)
        .where(
            Person.erased_at.is_(None),
            Person.person_key.in_(newest),
            Person.person_key.not_in(pending),
        )
        .order_by(Person.person_key)
    ).all()
    return _erase_all(session, people, now, "retention")


def forget_idle_identities(session: Session, *, now: datetime, days: int) -> list[str]:
    """Remove the identity of everyone the bot holds nothing for but the identity: no
    evidence naming them (at any time), never assigned a routine, and not seen for `days`
    days (strictly). Someone who only asked questions or clicked 👍 is such a person; if
    they come back they are a new, unrelated key. Recorded as `reason: "idle"`.
    (GDPRBOT_IDENTITY_IDLE_DAYS)"""
    cutoff = as_utc(now) - timedelta(days=days)
    evidence = _evidence_times()
    assigned = select(OccurrenceAssignee.person_key)
    # Teams refreshes a person's reference on every message they send; the people row
    # only when the bot learns their e-mail: either is "seen".
    refreshed = select(func.lower(ConversationRefRow.ref_key)).where(
        ConversationRefRow.kind == "person", ConversationRefRow.updated_at >= cutoff
    )
    people = session.scalars(
        select(Person)
        .where(
            Person.erased_at.is_(None),
            Person.last_seen_at < cutoff,
            func.lower(Person.platform_user_id).not_in(refreshed),
            Person.person_key.not_in(select(evidence.c.k).where(evidence.c.k.is_not(None))),
            Person.person_key.not_in(assigned),
        )
        .order_by(Person.person_key)
    ).all()
    return _erase_all(session, people, now, "idle")


def run_daily(
    session: Session,
    *,
    now: datetime,
    question_log_days: int,
    evidence_years: int,
    event_keep: timedelta = DEFAULT_KEEP,
    requests_years: int | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    identity_idle_days: int | None = None,
) -> DailyResult:
    """The daily privacy job: every retention limit the bot applies to its own tables."""
    result = DailyResult(
        questions_purged=purge_questions(session, now=now, days=question_log_days),
        events_purged=purge_events(session, now=now, keep=event_keep),
        identities_pseudonymised=len(
            pseudonymise_old_identities(session, now=now, years=evidence_years)
        ),
        web_access_purged=purge_web_access(session, now),
        reports_purged=purge_report_downloads(session, now),
        requests_purged=(
            purge_requests(session, now=now, years=requests_years, timezone=timezone)
            if requests_years is not None
            else 0
        ),
        inbox_purged=purge_inbox(session, now),
        idle_identities_forgotten=(
            len(forget_idle_identities(session, now=now, days=identity_idle_days))
            if identity_idle_days is not None
            else 0
        ),
    )
    log.info(
        "privacy job done",
        extra={
            "questions_purged": result.questions_purged,
            "events_purged": result.events_purged,
            "identities_pseudonymised": result.identities_pseudonymised,
            "web_access_purged": result.web_access_purged,
            "reports_purged": result.reports_purged,
            "requests_purged": result.requests_purged,
            "inbox_purged": result.inbox_purged,
            "idle_identities_forgotten": result.idle_identities_forgotten,
        },
    )
    return result


class DailyPrivacyJob:
    """`run_daily` once at start (catch-up after downtime) and then every night at 03:17,
    as jobs on the bot's one scheduler (`add_jobs`).

    The only part of privacy that reads the clock. Every replica may run it: purges are
    idempotent and each erasure is decided by a conditional UPDATE, so nothing is
    recorded twice.
    """

    JOB_IDS = ("privacy-startup", "privacy-daily")

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        question_log_days: int,
        evidence_years: int,
        timezone: str,
        requests_years: int | None = None,
        identity_idle_days: int | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._identity_idle_days = identity_idle_days
        self._sessions = sessions
        self._requests_years = requests_years
        self._question_log_days = question_log_days
        self._evidence_years = evidence_years
        self._timezone = timezone
        self._clock = clock

    async def run_once(self) -> DailyResult:
        now = self._clock()

        def work() -> DailyResult:
            with transaction(self._sessions) as session:
                return run_daily(
                    session,
                    now=now,
                    question_log_days=self._question_log_days,
                    evidence_years=self._evidence_years,
                    requests_years=self._requests_years,
                    timezone=self._timezone,
                    identity_idle_days=self._identity_idle_days,
                )

        return await asyncio.to_thread(work)

    async def _run_logged(self) -> None:
        try:
            await self.run_once()
        except Exception:
            log.exception("privacy job failed")

    def add_jobs(self, scheduler: BaseScheduler) -> list[str]:
        """Once as soon as the scheduler runs, then nightly in the installation's zone."""
        startup, daily = self.JOB_IDS
        scheduler.add_job(self._run_logged, id=startup, replace_existing=True)
        scheduler.add_job(
            self._run_logged,
            CronTrigger(hour=3, minute=17, timezone=self._timezone),
            id=daily,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
        return list(self.JOB_IDS)


def _erase_all(session: Session, people: Sequence[Person], now: datetime, reason: str) -> list[str]:
    """Erase each identity; the keys of those actually erased."""
    return [p.person_key for p in people if erase_identity(session, p, now, reason) is not None]
