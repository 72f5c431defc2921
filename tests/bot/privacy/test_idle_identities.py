"""Nothing but evidence lives forever: the identity of someone the bot holds nothing else
for (no evidence, no routine ever assigned; they only asked questions) is erased by the
daily privacy job once they have not been seen for GDPRBOT_IDENTITY_IDLE_DAYS days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.privacy import run_daily
from bot.records.references import ConversationRefRow, save_reference
from routines import ledger
from routines.engine.models import Occurrence, OccurrenceAssignee
from storage.people import Person, person_key_for
from storage.sessions import session_factory, transaction

NOW = datetime(2028, 6, 1, 3, 17, tzinfo=UTC)
IDLE = 365
LONG_AGO = NOW - timedelta(days=IDLE, seconds=1)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with transaction(session_factory(engine)) as s:
        yield s


def asker(session: Session, user_id: str, seen: datetime) -> str:
    """A Teams user the bot learned the e-mail of when they installed it, at `seen`."""
    return person_key_for(session, "teams", user_id, seen, email=f"{user_id}@example.se")


def daily(session: Session) -> int:
    result = run_daily(
        session, now=NOW, question_log_days=90, evidence_years=5, identity_idle_days=IDLE
    )
    return result.idle_identities_forgotten


def identity(session: Session, key: str) -> str | None:
    person = session.get(Person, key)
    assert person is not None
    return person.platform_user_id


def test_the_default_is_a_year() -> None:
    assert Settings().identity_idle_days == IDLE


def test_someone_who_only_asked_questions_is_forgotten_after_the_idle_days(
    session: Session,
) -> None:
    gone = asker(session, "aad-idle", LONG_AGO)
    save_reference(session, platform="teams", kind="person", ref_key="aad-idle",
                   conversation_id="a:idle", reference={"conversation": {"id": "a:idle"}},
                   now=LONG_AGO, personal=True)  # fmt: skip
    kept = asker(session, "aad-recent", NOW - timedelta(days=IDLE))

    assert daily(session) == 1
    assert identity(session, gone) is None
    assert identity(session, kept) == "aad-recent"
    assert session.scalars(select(ConversationRefRow.ref_key)).all() == []


def test_a_message_refreshing_the_reference_counts_as_seen(session: Session) -> None:
    key = asker(session, "aad-active", LONG_AGO)
    save_reference(session, platform="teams", kind="person", ref_key="AAD-ACTIVE",
                   conversation_id="a:active", reference={}, now=NOW - timedelta(days=2),
                   personal=True)  # fmt: skip

    assert daily(session) == 0
    assert identity(session, key) == "aad-active"


def test_evidence_or_an_assignment_keeps_the_identity_for_the_evidence_rule(
    session: Session,
) -> None:
    with_evidence = asker(session, "aad-evidence", LONG_AGO)
    ledger.append_event(
        session, ledger.WEB_SIGNED_IN, {"person_key": with_evidence},
        LONG_AGO,
    )  # fmt: skip
    assigned = asker(session, "aad-assigned", LONG_AGO)
    occurrence = Occurrence(
        routine_id="r", scheduled_date=date(2027, 1, 4), post_date=date(2027, 1, 4),
        due_date=date(2027, 1, 18), status="missed", created_at=LONG_AGO,
    )  # fmt: skip
    session.add(occurrence)
    session.flush()
    session.add(OccurrenceAssignee(occurrence_id=occurrence.id, person_key=assigned,
                                   platform="teams"))  # fmt: skip

    assert daily(session) == 0
    assert identity(session, with_evidence) == "aad-evidence"
    assert identity(session, assigned) == "aad-assigned"


def test_the_ledger_records_the_idle_erasure_under_the_key_only(session: Session) -> None:
    key = asker(session, "aad-idle", LONG_AGO)
    daily(session)

    [payload] = session.scalars(
        select(ledger.LedgerEntry.payload).where(ledger.LedgerEntry.event == ledger.PERSON_ERASED)
    ).all()
    assert key in payload and '"reason":"idle"' in payload and "aad-idle" not in payload


def missed(session: Session, key: str, closed_at: datetime) -> None:
    occurrence = Occurrence(
        routine_id=f"r-{key[:6]}", scheduled_date=closed_at.date(), post_date=closed_at.date(),
        due_date=closed_at.date(), status="missed", created_at=closed_at - timedelta(days=14),
        closed_at=closed_at,
    )  # fmt: skip
    session.add(occurrence)
    session.flush()
    session.add(OccurrenceAssignee(occurrence_id=occurrence.id, person_key=key, platform="teams"))


def test_someone_who_only_ever_missed_a_duty_goes_with_the_evidence_years(
    session: Session,
) -> None:
    """A missed duty names its assignee in the reports: it is evidence, kept (with the
    identity) for GDPRBOT_EVIDENCE_YEARS after it closed, and then not a day longer."""
    old = asker(session, "aad-missed-long-ago", LONG_AGO)
    missed(session, old, NOW - timedelta(days=5 * 366))
    recent = asker(session, "aad-missed-lately", LONG_AGO)
    missed(session, recent, NOW - timedelta(days=400))

    run_daily(session, now=NOW, question_log_days=90, evidence_years=5)

    assert identity(session, old) is None
    assert identity(session, recent) == "aad-missed-lately"
