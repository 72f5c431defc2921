"""The bot's own GDPR duties: access (Art. 15), erasure (Art. 17) and retention (Art. 5(1)(e)).

Identities live only in the `people` table (platform ids, display names, e-mail
addresses) and in the conversation references Teams needs for proactive messages.
Everything else, including the hash-chained ledger, refers to an opaque person key.

- `export_person`: everything held about one person (looked up by platform user id or
  e-mail address), as a JSON-ready dict, and nothing about anyone else.
- `erase_person`: blank the person's identity (the row stays as a tombstone with
  `erased_at`, so evidence still points at a key), delete their conversation references,
  unlink any question-log rows, cancel messages still waiting for them, and append a
  `person.erased` ledger entry holding the key only. The ledger is never rewritten, so
  `audit verify` stays clean; reports show the person as "erased person".
- `pseudonymise_old_identities`: the same for everyone whose newest evidence is older
  than `GDPRBOT_EVIDENCE_YEARS` years (and who has no open routine waiting for them).
- `run_daily`: the daily privacy job: that, plus the question-log and event-dedupe purges.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, literal, or_, select, union_all, update
from sqlalchemy.orm import Session, sessionmaker

from bot.records.events import DEFAULT_KEEP, purge_events
from bot.records.questions import as_utc, purge_questions, questions_of, unlink_person
from bot.records.references import ConversationRefRow, forget_person
from routines.engine.models import (
    CANCELLED,
    CLOSED_STATUSES,
    PENDING,
    Confirmation,
    Notification,
    Occurrence,
    OccurrenceAssignee,
    OccurrenceNote,
)
from routines.ledger import PERSON_ERASED, LedgerEntry, append_event
from storage.people import Person
from storage.sessions import transaction

log = logging.getLogger(__name__)

# Person keys are uuid4().hex; anything that looks like one in a payload is someone's key.
_PERSON_KEY = re.compile(r"\b[0-9a-f]{32}\b")
OTHER_PERSON = "(another person)"
EXPORT_FORMAT = "gdpr-bot.registerutdrag.v1"


class PersonNotFound(LookupError):
    """No (non-erased) person has that platform user id or e-mail address."""


@dataclass(frozen=True)
class Erasure:
    person_keys: tuple[str, ...]
    references_deleted: int
    questions_unlinked: int
    notifications_cancelled: int


@dataclass(frozen=True)
class DailyResult:
    questions_purged: int
    events_purged: int
    identities_pseudonymised: int


# --- lookup --------------------------------------------------------------------------------


def find_people(session: Session, who: str) -> list[Person]:
    """Every identity row for a platform user id (exact) or an e-mail address (any case).

    One human may have a row per platform (Slack and Teams, same e-mail): all are returned.
    """
    who = who.strip()
    if not who:
        return []
    condition = Person.platform_user_id == who
    if "@" in who:
        condition = or_(condition, func.lower(Person.email) == who.lower())
    else:
        # Teams AAD object ids are case-insensitive GUIDs.
        condition = or_(condition, func.lower(Person.platform_user_id) == who.lower())
    stmt = (
        select(Person)
        .where(condition, Person.erased_at.is_(None))
        .order_by(Person.platform, Person.created_at)
    )
    return list(session.scalars(stmt))


def _require_people(session: Session, who: str) -> list[Person]:
    people = find_people(session, who)
    if not people:
        raise PersonNotFound(
            "no person with that platform id or e-mail address "
            "(ingen person med det id:t eller den e-postadressen)"
        )
    return people


# --- access (registerutdrag) ---------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def _references_of(session: Session, person: Person) -> list[dict[str, Any]]:
    """The person's stored conversation references, matched as `forget_person` matches them."""
    user_id = person.platform_user_id or ""
    rows = session.scalars(
        select(ConversationRefRow)
        .where(
            ConversationRefRow.platform == person.platform,
            ConversationRefRow.kind == "person",
            or_(
                func.lower(ConversationRefRow.ref_key) == user_id.lower(),
                ConversationRefRow.user_id == user_id,
            ),
        )
        .order_by(ConversationRefRow.id)
    )
    return [_row_dict(row) for row in rows]


def _row_dict(row: ConversationRefRow) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in ConversationRefRow.__table__.columns:
        value = getattr(row, column.key)
        if column.key == "reference" and isinstance(value, str):
            value = json.loads(value)
        elif isinstance(value, datetime):
            value = _iso(value)
        out[column.key] = value
    out.pop("id", None)
    return out


def _redact_others(value: Any, own_keys: set[str]) -> Any:
    """Replace every person key but the subject's own in a payload (nothing about others)."""
    if isinstance(value, str):
        return _PERSON_KEY.sub(
            lambda m: m.group(0) if m.group(0) in own_keys else OTHER_PERSON, value
        )
    if isinstance(value, list):
        return [_redact_others(v, own_keys) for v in value]
    if isinstance(value, dict):
        return {k: _redact_others(v, own_keys) for k, v in value.items()}
    return value


def _ledger_of(session: Session, key: str) -> list[LedgerEntry]:
    # The indexed column catches entries about the person; the payload search catches
    # entries that name them among others (e.g. a list of assignees).
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(or_(LedgerEntry.person_key == key, LedgerEntry.payload.contains(key)))
            .order_by(LedgerEntry.seq)
        )
    )


def _person_section(session: Session, person: Person) -> dict[str, Any]:
    key = person.person_key
    occ = Occurrence
    confirmations = session.execute(
        select(Confirmation, occ.routine_id, occ.due_date)
        .join(occ, occ.id == Confirmation.occurrence_id)
        .where(Confirmation.person_key == key)
        .order_by(Confirmation.id)
    ).all()
    notes = session.execute(
        select(OccurrenceNote, occ.routine_id)
        .join(occ, occ.id == OccurrenceNote.occurrence_id)
        .where(OccurrenceNote.person_key == key)
        .order_by(OccurrenceNote.id)
    ).all()
    assignments = session.execute(
        select(occ)
        .join(OccurrenceAssignee, OccurrenceAssignee.occurrence_id == occ.id)
        .where(OccurrenceAssignee.person_key == key)
        .order_by(occ.id)
    ).scalars()
    closed = session.scalars(select(occ).where(occ.closed_by == key).order_by(occ.id))
    notifications = session.scalars(
        select(Notification)
        .where(Notification.recipient_kind == "person", Notification.recipient_address == key)
        .order_by(Notification.id)
    )
    return {
        "person": {
            "person_key": key,
            "platform": person.platform,
            "platform_user_id": person.platform_user_id,
            "display_name": person.display_name,
            "email": person.email,
            "created_at": _iso(person.created_at),
            "last_seen_at": _iso(person.last_seen_at),
        },
        "conversation_references": _references_of(session, person),
        "routine_assignments": [
            {
                "occurrence_id": o.id,
                "routine_id": o.routine_id,
                "scheduled_date": o.scheduled_date.isoformat(),
                "due_date": o.due_date.isoformat(),
                "status": o.status,
            }
            for o in assignments
        ],
        "confirmations": [
            {
                "occurrence_id": c.occurrence_id,
                "routine_id": routine_id,
                "due_date": due.isoformat(),
                "kind": c.kind,
                "note": c.note,
                "confirmed_at": _iso(c.created_at),
            }
            for c, routine_id, due in confirmations
        ],
        "notes": [
            {
                "occurrence_id": n.occurrence_id,
                "routine_id": routine_id,
                "text": n.text,
                "created_at": _iso(n.created_at),
            }
            for n, routine_id in notes
        ],
        "occurrences_closed": [
            {
                "occurrence_id": o.id,
                "routine_id": o.routine_id,
                "status": o.status,
                "closed_at": _iso(o.closed_at),
                "reason": o.reason,
            }
            for o in closed
        ],
        "notifications": [
            {
                "occurrence_id": n.occurrence_id,
                "kind": n.kind,
                "platform": n.recipient_platform,
                "status": n.status,
                "not_before": _iso(n.not_before),
                "sent_at": _iso(n.sent_at),
            }
            for n in notifications
        ],
        "ledger_entries": [
            {
                "seq": e.seq,
                "event": e.event,
                "created_at": _iso(e.created_at),
                "hash": e.hash,
                "payload": _redact_others(json.loads(e.payload), {key}),
            }
            for e in _ledger_of(session, key)
        ],
        "questions": [
            {
                "asked_at": _iso(q.asked_at),
                "lang": q.lang,
                "text": q.text,
                "answered": q.answered,
                "article_id": q.article_id,
                "vote": q.vote,
            }
            for q in questions_of(session, key)
        ],
    }


def export_person(session: Session, who: str, *, now: datetime) -> dict[str, Any]:
    """A register extract (registerutdrag) for one person; raises PersonNotFound."""
    people = _require_people(session, who)
    log.info("privacy export", extra={"person_keys": [p.person_key for p in people]})
    return {
        "format": EXPORT_FORMAT,
        "generated_at": _iso(now),
        "controller_note": (
            "Allt gdpr-bot lagrar om personen. Anonyma frågor i frågeloggen är inte "
            "kopplade till någon person och kan därför inte lämnas ut. / Everything "
            "gdpr-bot stores about the person. Anonymous question-log entries are not "
            "linked to anyone and so cannot be included."
        ),
        "identities": [_person_section(session, p) for p in people],
    }


# --- erasure -------------------------------------------------------------------------------


def _erase_identity(
    session: Session, person: Person, now: datetime, reason: str
) -> tuple[int, int, int] | None:
    """Blank one identity row; None if another transaction (replica) erased it first.

    The conditional UPDATE is the referee: only the transaction that flips `erased_at`
    deletes the rest and appends the ledger entry, so the erasure is recorded once.
    """
    key, platform, user_id = person.person_key, person.platform, person.platform_user_id or ""
    claimed = session.execute(
        update(Person)
        .where(Person.person_key == key, Person.erased_at.is_(None))
        .values(platform_user_id=None, display_name=None, email=None, erased_at=as_utc(now))
    ).rowcount  # type: ignore[attr-defined]
    if not claimed:
        return None
    refs = forget_person(session, platform, user_id)
    questions = unlink_person(session, key)
    cancelled = session.execute(
        update(Notification)
        .where(
            Notification.recipient_kind == "person",
            Notification.recipient_address == key,
            Notification.status == PENDING,
        )
        .values(status=CANCELLED, last_error="person erased")
    ).rowcount  # type: ignore[attr-defined]
    append_event(session, PERSON_ERASED, {"person_key": key, "reason": reason}, now)
    log.info("person erased", extra={"person_key": key, "reason": reason})
    return refs, questions, int(cancelled or 0)


def erase_person(session: Session, who: str, *, now: datetime) -> Erasure:
    """Erase every identity row for `who` (Art. 17); raises PersonNotFound."""
    people = _require_people(session, who)
    erased: list[str] = []
    totals = [0, 0, 0]
    for person in people:
        counts = _erase_identity(session, person, now, "request")
        if counts is None:
            continue
        erased.append(person.person_key)
        for i, n in enumerate(counts):
            totals[i] += n
    return Erasure(tuple(erased), *totals)


# --- retention -----------------------------------------------------------------------------


def years_before(now: datetime, years: int) -> datetime:
    """The same calendar moment `years` years earlier (29 February becomes 28 February)."""
    moment = as_utc(now)
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def _evidence_times() -> Any:
    """(person_key, at) for every piece of evidence that names a person."""
    return union_all(
        select(Confirmation.person_key.label("k"), Confirmation.created_at.label("at")),
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
    return [
        person.person_key
        for person in people
        if _erase_identity(session, person, now, "retention") is not None
    ]


def run_daily(
    session: Session,
    *,
    now: datetime,
    question_log_days: int,
    evidence_years: int,
    event_keep: timedelta = DEFAULT_KEEP,
) -> DailyResult:
    """The daily privacy job: every retention limit the bot applies to its own tables."""
    result = DailyResult(
        questions_purged=purge_questions(session, now=now, days=question_log_days),
        events_purged=purge_events(session, now=now, keep=event_keep),
        identities_pseudonymised=len(
            pseudonymise_old_identities(session, now=now, years=evidence_years)
        ),
    )
    log.info(
        "privacy job done",
        extra={
            "questions_purged": result.questions_purged,
            "events_purged": result.events_purged,
            "identities_pseudonymised": result.identities_pseudonymised,
        },
    )
    return result


class DailyPrivacyJob:
    """`run_daily` once at start (catch-up after downtime) and then every night at 03:17.

    The only part of privacy that reads the clock. Every replica may run it: purges are
    idempotent and each erasure is decided by a conditional UPDATE, so nothing is
    recorded twice.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        question_log_days: int,
        evidence_years: int,
        timezone: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._question_log_days = question_log_days
        self._evidence_years = evidence_years
        self._timezone = timezone
        self._clock = clock
        self._scheduler: AsyncIOScheduler | None = None

    async def run_once(self) -> DailyResult:
        now = self._clock()

        def work() -> DailyResult:
            with transaction(self._sessions) as session:
                return run_daily(
                    session,
                    now=now,
                    question_log_days=self._question_log_days,
                    evidence_years=self._evidence_years,
                )

        return await asyncio.to_thread(work)

    async def _run_logged(self) -> None:
        try:
            await self.run_once()
        except Exception:
            log.exception("privacy job failed")

    async def start(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=self._timezone)
        self._scheduler.add_job(self._run_logged, id="privacy-startup")
        self._scheduler.add_job(
            self._run_logged,
            CronTrigger(hour=3, minute=17, timezone=self._timezone),
            id="privacy-daily",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
        self._scheduler.start()

    async def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None

    @property
    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()] if self._scheduler else []
