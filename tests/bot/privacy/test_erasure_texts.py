"""Erasure reaches into free text: the person's name, e-mail address and platform ids go
out of every text the bot keeps (routine notes, confirmation notes and not-applicable
reasons, the question log, a request's ticket reference), while the evidence still
checks out: `audit verify`'s binding of notes to the ledger stays clean, and the ledger
says which texts an erasure changed, never what they said.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.privacy import erase_person
from bot.privacy.scrub import ERASED_MARK
from bot.records.questions import QuestionRecord, record_question
from routines import ledger
from routines.engine import acknowledgements as ack
from routines.engine.models import Confirmation, Occurrence, OccurrenceAssignee, OccurrenceNote
from routines.engine.notes import add_note
from routines.ledger.binding import check_bindings
from routines.reports.occurrence_view import Clock, occurrence_detail
from routines.requests.models import RightsRequest
from routines.requests.register import RequestRegister, dedupe_key
from storage.people import person_key_for
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
NAME, EMAIL, SLACK_ID = "Bertil Berg", "bertil.berg@example.se", "UBERTIL01"
PHRASE = "kontrollerat hyllan"  # what the note says besides the name: it stays


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with transaction(session_factory(engine)) as s:
        yield s


def routine_occurrence(session: Session, routine_id: str, assignee: str) -> int:
    occurrence = Occurrence(
        routine_id=routine_id, scheduled_date=date(2027, 1, 4), post_date=date(2027, 1, 4),
        due_date=date(2027, 3, 18), status="open", created_at=NOW,
    )  # fmt: skip
    session.add(occurrence)
    session.flush()
    session.add(OccurrenceAssignee(occurrence_id=occurrence.id, person_key=assignee,
                                   platform="slack"))  # fmt: skip
    ledger.append_event(
        session, ledger.OCCURRENCE_CREATED,
        {"occurrence_id": occurrence.id, "routine_id": routine_id,
         "scheduled_date": date(2027, 1, 4), "due_date": date(2027, 3, 18)}, NOW,
    )  # fmt: skip
    return occurrence.id


@pytest.fixture
def written(session: Session) -> dict[str, int]:
    """Bertil writes a note, a confirmation note and a not-applicable reason naming himself
    (by name, e-mail and Slack mention), and asks a question naming himself."""
    key = person_key_for(session, "slack", SLACK_ID, NOW, display_name=NAME, email=EMAIL)
    actor = ack.Actor("slack", SLACK_ID)
    noted = routine_occurrence(session, "access-review", key)
    confirmed = routine_occurrence(session, "retention", key)
    excused = routine_occurrence(session, "training", key)
    mention = f"<@{SLACK_ID}>"
    assert add_note(session, noted, actor, f"{PHRASE}, {NAME} ({EMAIL})", NOW).recorded
    assert ack.confirm(session, confirmed, actor, NOW, note=f"klart enligt {mention}").recorded
    assert ack.not_applicable(session, excused, actor, f"{NAME.upper()} har slutat", NOW).recorded
    record_question(session, text=f"får {NAME} spara?", lang="sv", answered=False,
                    article_id=None, score=0.1, now=NOW)  # fmt: skip
    session.flush()
    assert check_bindings(session) == []
    return {"noted": noted, "confirmed": confirmed, "excused": excused}


def kept_texts(session: Session) -> list[str]:
    return [
        *session.scalars(select(OccurrenceNote.text)),
        *session.scalars(select(Confirmation.note)),
        *session.scalars(select(Occurrence.reason).where(Occurrence.reason.is_not(None))),
        *session.scalars(select(QuestionRecord.text)),
    ]


def test_the_persons_name_email_and_ids_go_out_of_every_kept_text(
    session: Session, written: dict[str, int]
) -> None:
    erase_person(session, EMAIL, now=NOW)

    texts = kept_texts(session)
    assert len(texts) == 5  # nothing deleted: notes and reasons are evidence
    for needle in (NAME, EMAIL, SLACK_ID):
        assert [t for t in texts if needle.lower() in t.lower()] == []
    assert f"{PHRASE}, {ERASED_MARK} ({ERASED_MARK})" in texts


def test_after_the_redaction_the_evidence_still_matches_the_ledger(
    session: Session, written: dict[str, int]
) -> None:
    erase_person(session, EMAIL, now=NOW)
    session.flush()

    assert check_bindings(session) == []
    for occurrence_id in written.values():
        detail = occurrence_detail(
            session, occurrence_id, today=NOW.date(), infos={},
            clock=Clock("Europe/Stockholm"), lang="sv",
        )  # fmt: skip
        assert detail is not None
        assert [e.matches_ledger for e in detail.evidence] == [True]


def test_the_ledger_records_which_texts_changed_but_not_what_they_said(
    session: Session, written: dict[str, int]
) -> None:
    erase_person(session, EMAIL, now=NOW)

    payloads = [
        json.loads(p)["data"]
        for p in session.scalars(
            select(ledger.LedgerEntry.payload).where(
                ledger.LedgerEntry.event == ledger.EVIDENCE_REDACTED
            )
        )
    ]
    assert sorted(p["what"] for p in payloads) == ["confirmation", "confirmation", "note"]
    everything = " ".join(session.scalars(select(ledger.LedgerEntry.payload))).lower()
    for needle in (NAME, EMAIL, SLACK_ID, PHRASE, "slutat"):
        assert needle.lower() not in everything


def test_a_chat_registrations_dedupe_key_holding_their_id_goes(engine: Engine) -> None:
    """The desk dedupes a click by SHA-256(platform, "click", message, user id): after the
    erasure no row keeps a hash anyone could recompute from their id."""
    sessions = session_factory(engine)
    register = RequestRegister(sessions, timezone="Europe/Stockholm")
    key = dedupe_key("slack", "click", "1700000000.000100", SLACK_ID)
    register.register(client_id="acme", kind="access", received_on=NOW.date(),
                      business_days=5, now=NOW, actor=ack.Actor("slack", SLACK_ID),
                      dedupe=key)  # fmt: skip

    with transaction(sessions) as session:
        erase_person(session, SLACK_ID, now=NOW)
        assert session.scalars(select(RightsRequest.dedupe_key)).all() == [None]
