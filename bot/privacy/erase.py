"""Erasure (Art. 17): blank a person's identity, keep the evidence keyed by an opaque key."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.privacy.lookup import require_people
from bot.privacy.scrub import scrub_identity
from bot.records.inbox import forget_sender
from bot.records.questions import unlink_person
from bot.records.references import ConversationRefRow, forget_person
from bot.records.report_links import forget_report_downloads
from bot.records.web_access import forget_web_access
from routines.engine.models import (
    CANCELLED,
    PENDING,
    UPDATE,
    Notification,
    PostedMessage,
)
from routines.engine.training import forget_attempts
from routines.ledger import PERSON_ERASED, append_event
from routines.requests.models import RightsRequest
from storage.clock import as_utc
from storage.people import Person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Erasure:
    person_keys: tuple[str, ...]
    references_deleted: int
    questions_unlinked: int
    notifications_cancelled: int


def erase_identity(
    session: Session, person: Person, now: datetime, reason: str
) -> tuple[int, int, int] | None:
    """Blank one identity row; None if another transaction (replica) erased it first.

    The conditional UPDATE is the referee: only the transaction that flips `erased_at`
    deletes the rest and appends the ledger entry, so the erasure is recorded once.
    """
    key, platform, user_id = person.person_key, person.platform, person.platform_user_id or ""
    needles = _ids_of(session, person)  # read before the row is blanked
    name = person.display_name or ""
    claimed = session.execute(
        update(Person)
        .where(Person.person_key == key, Person.erased_at.is_(None))
        .values(platform_user_id=None, display_name=None, email=None, erased_at=as_utc(now))
    ).rowcount  # type: ignore[attr-defined]
    if not claimed:
        return None
    refs = forget_person(session, platform, user_id)
    forget_sender(session, needles)  # raw payloads still waiting in the inbox
    scrub_identity(session, needles | {name}, now)  # out of notes, reasons, questions
    questions = unlink_person(session, key)
    forget_web_access(session, key)  # signed out of the web pages, links void
    forget_attempts(session, key)  # quiz attempts; their results stay in the ledger
    forget_direct_messages(session, key)
    cancelled = session.execute(
        update(Notification)
        .where(
            Notification.recipient_kind == "person",
            Notification.recipient_address == key,
            Notification.status == PENDING,
        )
        .values(status=CANCELLED, last_error="person erased")
    ).rowcount  # type: ignore[attr-defined]
    # A request's dedupe key is an unkeyed SHA-256 of what its repeats share, which for a
    # chat registration holds their user id (a click's key, a Slack click's event id).
    session.execute(
        update(RightsRequest)
        .where(RightsRequest.registered_by == key, RightsRequest.platform != "cli")
        .values(dedupe_key=None)
    )
    # A delivery error's text may quote their chat or ids (`Exception: …` as raised).
    session.execute(
        update(Notification)
        .where(
            Notification.recipient_kind == "person",
            Notification.recipient_address == key,
            Notification.last_error.is_not(None),
        )
        .values(last_error="person erased")
    )
    append_event(session, PERSON_ERASED, {"person_key": key, "reason": reason}, now)
    log.info("person erased", extra={"person_key": key, "reason": reason})
    return refs, questions, int(cancelled or 0)


def _ids_of(session: Session, person: Person) -> set[str]:
    """The person's platform ids (Teams: the Entra object id and the `29:` id its
    references hold) and e-mail address: what a raw platform payload names them by."""
    user_id = person.platform_user_id or ""
    ids = {user_id, person.email or ""}
    ids |= set(
        session.scalars(
            select(ConversationRefRow.user_id).where(
                ConversationRefRow.platform == person.platform,
                ConversationRefRow.kind == "person",
                func.lower(ConversationRefRow.ref_key) == user_id.lower(),
                ConversationRefRow.user_id.is_not(None),
            )
        )
    )
    return {i for i in ids if i}


def forget_direct_messages(session: Session, person_key: str) -> int:
    """Where the bot's messages to the person landed (their 1:1 chat's id: Slack `D…`,
    Teams `a:…`, the console name) and the edits queued into it: gone, so those messages
    are no longer updated in place. The notifications themselves name only the key."""
    posted = (
        select(PostedMessage.id)
        .join(Notification, Notification.id == PostedMessage.notification_id)
        .where(
            Notification.recipient_kind == "person", Notification.recipient_address == person_key
        )
    )
    ids = list(session.scalars(posted))
    if not ids:
        return 0
    session.execute(
        delete(Notification).where(
            Notification.kind == UPDATE,
            Notification.recipient_kind == "channel",
            Notification.sequence.in_(ids),
        )
    )
    session.execute(delete(PostedMessage).where(PostedMessage.id.in_(ids)))
    return len(ids)


def erase_person(session: Session, who: str, *, now: datetime) -> Erasure:
    """Erase every identity row for `who` (Art. 17); raises PersonNotFound."""
    people = require_people(session, who)
    erased: list[str] = []
    totals = [0, 0, 0]
    for person in people:
        counts = erase_identity(session, person, now, "request")
        if counts is None:
            continue
        erased.append(person.person_key)
        for i, n in enumerate(counts):
            totals[i] += n
    if erased:  # report files waiting for download (15 minutes) may name the person
        forget_report_downloads(session)
    return Erasure(tuple(erased), *totals)
