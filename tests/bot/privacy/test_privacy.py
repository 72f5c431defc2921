"""The bot's own data: register extract, erasure and evidence retention."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.privacy import (
    DailyPrivacyJob,
    PersonNotFound,
    erase_person,
    export_person,
    find_people,
    pseudonymise_old_identities,
    run_daily,
    years_before,
)
from bot.privacy.erase import erase_identity
from bot.records.events import claim_event
from bot.records.questions import QuestionRecord, record_question
from bot.records.references import ConversationRefRow, save_reference
from bot.records.report_links import store_report
from routines import ledger
from routines.engine.models import (
    CANCELLED,
    DONE,
    OPEN,
    PENDING,
    SENT,
    Confirmation,
    Notification,
    Occurrence,
    OccurrenceAssignee,
    OccurrenceNote,
)
from routines.reports.adherence import Scope, between
from routines.reports.details import iter_details
from storage.people import Person, display_name_of, person_key_for
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 6, 15, 10, 0, tzinfo=UTC)
ANNA_AAD = "6f1c0e2a-aaaa-4b5c-9d8e-000000000001"


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with transaction(session_factory(engine)) as s:
        yield s


@dataclass(frozen=True)
class World:
    anna_teams: str
    anna_slack: str
    bo: str
    occurrence_id: int


def occurrence(session: Session, routine_id: str, due: date, status: str = DONE) -> Occurrence:
    occ = Occurrence(
        routine_id=routine_id,
        scheduled_date=due - timedelta(days=7),
        post_date=due - timedelta(days=7),
        due_date=due,
        status=status,
        created_at=datetime.combine(due - timedelta(days=7), time(9), UTC),  # when posted
    )
    session.add(occ)
    session.flush()
    return occ


def confirm(session: Session, occ: Occurrence, key: str, at: datetime, note: str = "") -> None:
    session.add(
        Confirmation(occurrence_id=occ.id, person_key=key, note=note or None, created_at=at)
    )
    session.add(OccurrenceAssignee(occurrence_id=occ.id, person_key=key, platform="slack"))
    ledger.append_event(
        session,
        ledger.CONFIRMATION_RECORDED,
        {"occurrence_id": occ.id, "person_key": key},
        at,
    )


@pytest.fixture
def world(session: Session) -> World:
    """Anna (on Teams and on Slack, same e-mail) and Bo share one routine occurrence."""
    at = NOW - timedelta(days=10)
    anna_t = person_key_for(
        session, "teams", ANNA_AAD, at, display_name="Anna Andersson", email="Anna@Example.se"
    )
    anna_s = person_key_for(
        session, "slack", "U0ANNA", at, display_name="Anna A", email="anna@example.se"
    )
    bo = person_key_for(session, "slack", "U0BOBERG", at, display_name="Bo Berg", email="bo@ex.se")
    occ = occurrence(session, "retention-review", date(2027, 6, 10))
    occ.closed_by, occ.closed_at = anna_t, at
    ledger.append_event(
        session,
        ledger.OCCURRENCE_CREATED,
        {"occurrence_id": occ.id, "routine_id": "retention-review", "assignees": [anna_t, bo]},
        at,
    )
    confirm(session, occ, anna_t, at, note="Rensade CRM, se ärende 4711")
    confirm(session, occ, bo, at, note="Bo's own note")
    session.add(
        OccurrenceNote(occurrence_id=occ.id, person_key=anna_t, text="Anna note", created_at=at)
    )
    session.add(OccurrenceNote(occurrence_id=occ.id, person_key=bo, text="Bo note", created_at=at))
    for key, status in ((anna_t, PENDING), (bo, SENT)):
        session.add(
            Notification(
                occurrence_id=occ.id,
                kind="reminder",
                recipient_platform="teams",
                recipient_kind="person",
                recipient_address=key,
                status=status,
                not_before=at,
                created_at=at,
            )
        )
    save_reference(
        session,
        platform="teams",
        kind="person",
        ref_key=ANNA_AAD,
        user_id="29:anna-teams-id",
        conversation_id="a:anna-1to1",
        reference={"serviceUrl": "https://smba.example/", "conversation": {"id": "a:anna-1to1"}},
        now=at,
        personal=True,
    )
    save_reference(
        session,
        platform="slack",
        kind="person",
        ref_key="U0BOBERG",
        conversation_id="D0BO",
        reference={"channel": "D0BO"},
        now=at,
        personal=True,
    )
    record_question(
        session,
        text="Anna's linked question",
        lang="sv",
        answered=False,
        article_id=None,
        score=0.1,
        now=at,
        mode="linked",
        person_key=anna_t,
    )
    session.flush()
    return World(anna_t, anna_s, bo, occ.id)


# --- lookup --------------------------------------------------------------------------------


def test_an_email_finds_the_person_on_every_platform_in_any_case(
    session: Session, world: World
) -> None:
    keys = {p.person_key for p in find_people(session, "ANNA@example.SE")}
    assert keys == {world.anna_teams, world.anna_slack}


def test_an_aad_object_id_finds_the_person_in_any_case(session: Session, world: World) -> None:
    assert [p.person_key for p in find_people(session, ANNA_AAD.upper())] == [world.anna_teams]


def test_an_unknown_person_is_a_clear_error(session: Session, world: World) -> None:
    with pytest.raises(PersonNotFound, match="e-mail"):
        export_person(session, "nobody@example.se", now=NOW)
    with pytest.raises(PersonNotFound):
        erase_person(session, "   ", now=NOW)


# --- export ----------------------------------------------------------------------------------


def anna_teams_section(session: Session) -> Any:
    extract = export_person(session, ANNA_AAD, now=NOW)
    (section,) = extract["identities"]
    return section


def test_export_holds_the_identity_row(session: Session, world: World) -> None:
    person = anna_teams_section(session)["person"]
    assert person == {
        "person_key": world.anna_teams,
        "platform": "teams",
        "platform_user_id": ANNA_AAD,
        "display_name": "Anna Andersson",
        "email": "Anna@Example.se",
        "created_at": (NOW - timedelta(days=10)).isoformat(),
        "last_seen_at": (NOW - timedelta(days=10)).isoformat(),
    }


def test_export_holds_conversation_references(session: Session, world: World) -> None:
    (ref,) = anna_teams_section(session)["conversation_references"]
    assert ref["conversation_id"] == "a:anna-1to1"
    assert ref["reference"]["serviceUrl"] == "https://smba.example/"


def test_export_holds_confirmations_notes_and_duties_with_routine_and_dates(
    session: Session, world: World
) -> None:
    section = anna_teams_section(session)
    (c,) = section["confirmations"]
    assert (c["routine_id"], c["due_date"], c["note"]) == (
        "retention-review",
        "2027-06-10",
        "Rensade CRM, se ärende 4711",
    )
    assert [n["text"] for n in section["notes"]] == ["Anna note"]
    assert [a["occurrence_id"] for a in section["routine_assignments"]] == [world.occurrence_id]
    assert [o["routine_id"] for o in section["occurrences_closed"]] == ["retention-review"]
    assert [n["status"] for n in section["notifications"]] == [PENDING]


def test_export_holds_ledger_entries_naming_the_person(session: Session, world: World) -> None:
    entries = anna_teams_section(session)["ledger_entries"]
    assert [e["event"] for e in entries] == [
        ledger.OCCURRENCE_CREATED,
        ledger.CONFIRMATION_RECORDED,
    ]
    created = entries[0]["payload"]["data"]
    assert created["assignees"] == [world.anna_teams, "(another person)"]


def test_export_holds_linked_questions(session: Session, world: World) -> None:
    questions = anna_teams_section(session)["questions"]
    assert [q["text"] for q in questions] == ["Anna's linked question"]


def test_export_says_nothing_about_anyone_else(session: Session, world: World) -> None:
    dump = json.dumps(export_person(session, "anna@example.se", now=NOW), ensure_ascii=False)
    for other in ("Bo Berg", "bo@ex.se", "U0BOBERG", world.bo, "D0BO", "Bo note", "Bo's own"):
        assert other not in dump
    assert "Anna Andersson" in dump and "Anna A" in dump


# --- erasure ---------------------------------------------------------------------------------


def test_erasure_blanks_every_identity_of_the_person(session: Session, world: World) -> None:
    result = erase_person(session, "anna@example.se", now=NOW)
    assert set(result.person_keys) == {world.anna_teams, world.anna_slack}
    for key in result.person_keys:
        person = session.get(Person, key)
        assert person is not None
        assert (person.platform_user_id, person.display_name, person.email) == (None, None, None)
        assert person.erased_at is not None
        assert display_name_of(session, key) is None


def test_erasure_deletes_references_and_unlinks_questions(session: Session, world: World) -> None:
    result = erase_person(session, ANNA_AAD, now=NOW)
    assert (result.references_deleted, result.questions_unlinked) == (1, 1)
    refs = session.scalars(select(ConversationRefRow.ref_key)).all()
    assert refs == ["U0BOBERG"]
    assert session.scalar(select(func.count()).where(QuestionRecord.person_key.is_not(None))) == 0


def test_erasure_cancels_messages_still_waiting_for_the_person(
    session: Session, world: World
) -> None:
    assert erase_person(session, ANNA_AAD, now=NOW).notifications_cancelled == 1
    rows = session.execute(select(Notification.recipient_address, Notification.status))
    statuses = {address: status for address, status in rows}
    assert statuses == {world.anna_teams: CANCELLED, world.bo: SENT}


def test_erasure_keeps_evidence_and_the_ledger_verifies(session: Session, world: World) -> None:
    erase_person(session, ANNA_AAD, now=NOW)
    assert ledger.verify(session).ok
    keys = set(session.scalars(select(Confirmation.person_key)))
    assert keys == {world.anna_teams, world.bo}


def test_erasure_is_recorded_in_the_ledger_by_key_only(session: Session, world: World) -> None:
    erase_person(session, ANNA_AAD, now=NOW)
    last = session.scalars(
        select(ledger.LedgerEntry).order_by(ledger.LedgerEntry.seq.desc())
    ).first()
    assert last is not None and last.event == ledger.PERSON_ERASED
    assert json.loads(last.payload)["data"] == {"person_key": world.anna_teams, "reason": "request"}
    assert "Anna" not in last.payload and ANNA_AAD not in last.payload


def test_erasure_leaves_others_alone(session: Session, world: World) -> None:
    erase_person(session, ANNA_AAD, now=NOW)
    bo = session.get(Person, world.bo)
    assert bo is not None and (bo.display_name, bo.email) == ("Bo Berg", "bo@ex.se")
    anna_on_slack = session.get(Person, world.anna_slack)
    assert anna_on_slack is not None and anna_on_slack.erased_at is None


def test_an_erased_person_cannot_be_erased_or_exported_again(
    session: Session, world: World
) -> None:
    erase_person(session, ANNA_AAD, now=NOW)
    entries = ledger.head(session)
    with pytest.raises(PersonNotFound):
        erase_person(session, ANNA_AAD, now=NOW)
    with pytest.raises(PersonNotFound):
        export_person(session, ANNA_AAD, now=NOW)
    assert ledger.head(session) == entries


def test_a_person_who_returns_after_erasure_gets_a_new_key(session: Session, world: World) -> None:
    erase_person(session, ANNA_AAD, now=NOW)
    again = person_key_for(session, "teams", ANNA_AAD, NOW, display_name="Anna Andersson")
    assert again != world.anna_teams


# --- evidence retention ----------------------------------------------------------------------

FIVE_YEARS_AGO = years_before(NOW, 5)


def person_with_evidence(session: Session, user_id: str, at: datetime | None) -> str:
    key = person_key_for(session, "slack", user_id, NOW - timedelta(days=1), display_name=user_id)
    if at is not None:
        occ = occurrence(session, f"r-{user_id}", at.date())
        confirm(session, occ, key, at)
    return key


def test_years_before_handles_leap_day() -> None:
    assert years_before(datetime(2028, 2, 29, tzinfo=UTC), 5) == datetime(2023, 2, 28, tzinfo=UTC)


def test_old_evidence_identities_are_pseudonymised_at_the_boundary(session: Session) -> None:
    old = person_with_evidence(session, "U0OLD", FIVE_YEARS_AGO - timedelta(seconds=1))
    person_with_evidence(session, "U0EDGE", FIVE_YEARS_AGO)
    person_with_evidence(session, "U0RECENT", NOW - timedelta(days=400))
    person_with_evidence(session, "U0NONE", None)
    assert pseudonymise_old_identities(session, now=NOW, years=5) == [old]
    person = session.get(Person, old)
    assert person is not None and person.platform_user_id is None and person.erased_at is not None


def test_newer_evidence_keeps_an_identity(session: Session) -> None:
    key = person_with_evidence(session, "U0BOTH", FIVE_YEARS_AGO - timedelta(days=300))
    occ = occurrence(session, "later", (NOW - timedelta(days=30)).date())
    confirm(session, occ, key, NOW - timedelta(days=30))
    assert pseudonymise_old_identities(session, now=NOW, years=5) == []


def test_a_person_with_an_open_duty_keeps_their_identity(session: Session) -> None:
    key = person_with_evidence(session, "U0DUTY", FIVE_YEARS_AGO - timedelta(days=1))
    occ = occurrence(session, "open-one", NOW.date(), status=OPEN)
    session.add(OccurrenceAssignee(occurrence_id=occ.id, person_key=key, platform="slack"))
    assert pseudonymise_old_identities(session, now=NOW, years=5) == []


def test_pseudonymisation_keeps_the_ledger_verifiable(session: Session) -> None:
    person_with_evidence(session, "U0OLD", FIVE_YEARS_AGO - timedelta(days=1))
    pseudonymise_old_identities(session, now=NOW, years=5)
    result = ledger.verify(session)
    assert result.ok and result.entries == 2


def test_pseudonymisation_runs_once(session: Session) -> None:
    person_with_evidence(session, "U0OLD", FIVE_YEARS_AGO - timedelta(days=1))
    assert len(pseudonymise_old_identities(session, now=NOW, years=5)) == 1
    assert pseudonymise_old_identities(session, now=NOW, years=5) == []


def test_the_daily_job_applies_every_retention_limit(session: Session) -> None:
    person_with_evidence(session, "U0OLD", FIVE_YEARS_AGO - timedelta(days=1))
    for days in (1, 91):
        record_question(
            session, text="q", lang="sv", answered=False, article_id=None, score=0.0,
            now=NOW - timedelta(days=days),
        )  # fmt: skip
    claim_event(session, "slack", "Ev-old", NOW - timedelta(days=8))
    claim_event(session, "slack", "Ev-new", NOW - timedelta(hours=1))
    for made in (NOW - timedelta(minutes=5), NOW - timedelta(hours=1)):  # link: 15 minutes
        store_report(
            session, person_key="k" * 32, filename="r.csv", mime_type="text/csv",
            content=b"routine,confirmed_by\nretention,Anna\n", now=made,
        )  # fmt: skip
    result = run_daily(session, now=NOW, question_log_days=90, evidence_years=5)
    assert (
        result.questions_purged, result.events_purged, result.identities_pseudonymised,
        result.reports_purged,
    ) == (1, 1, 1, 1)  # fmt: skip


def test_an_identity_erased_meanwhile_is_not_erased_or_recorded_twice(engine: Engine) -> None:
    """Two replicas running the retention job at once: the second finds nothing to do."""
    factory = session_factory(engine)
    with transaction(factory) as session:
        person_with_evidence(session, "U0RACE", FIVE_YEARS_AGO - timedelta(days=1))
    with transaction(factory) as session:  # replica B reads the candidate...
        (stale,) = find_people(session, "U0RACE")
    with transaction(factory) as session:  # ...replica A erases it first...
        assert len(pseudonymise_old_identities(session, now=NOW, years=5)) == 1
    with transaction(factory) as session:  # ...then B acts on what it read.
        assert erase_identity(session, stale, NOW, "retention") is None
        assert ledger.verify(session).entries == 2


async def test_the_daily_job_runs_in_a_worker_thread_with_its_clock(engine: Engine) -> None:
    factory = session_factory(engine)
    with transaction(factory) as session:
        person_with_evidence(session, "U0OLD", FIVE_YEARS_AGO - timedelta(days=1))
    job = DailyPrivacyJob(
        factory, question_log_days=90, evidence_years=5, timezone="Europe/Stockholm",
        clock=lambda: NOW,
    )  # fmt: skip
    result = await job.run_once()
    assert result.identities_pseudonymised == 1


async def test_the_daily_job_is_scheduled_at_start_and_nightly(engine: Engine) -> None:
    job = DailyPrivacyJob(
        session_factory(engine), question_log_days=90, evidence_years=5, timezone="UTC"
    )
    scheduler = AsyncIOScheduler(timezone="UTC")  # the bot's one scheduler, in bot/app.py
    assert set(job.add_jobs(scheduler)) >= {"privacy-daily"}
    daily = scheduler.get_job("privacy-daily")
    assert daily is not None and "hour='3', minute='17'" in str(daily.trigger)
    assert scheduler.get_job("privacy-startup") is not None


@pytest.mark.parametrize(("lang", "label"), [("sv", "raderad person"), ("en", "erased person")])
def test_reports_show_an_erased_person_as_such(
    session: Session, world: World, lang: str, label: str
) -> None:
    erase_person(session, ANNA_AAD, now=NOW)
    scope = Scope(period=between(date(2027, 6, 1), date(2027, 6, 30)), now=NOW, lang=lang)
    people = {row.person_key: row for row in iter_details(session, scope)}
    assert people[world.anna_teams].person == label
    assert people[world.anna_teams].confirmed_by == label
    assert people[world.bo].person == "Bo Berg"


def test_export_holds_report_files_waiting_for_the_person(session: Session, world: World) -> None:
    store_report(
        session, person_key=world.anna_teams, filename="gdpr-report-2027-Q1.csv",
        mime_type="text/csv", content=b"routine\n", now=NOW,
    )  # fmt: skip
    [waiting] = anna_teams_section(session)["report_downloads"]
    assert waiting["filename"] == "gdpr-report-2027-Q1.csv" and not waiting["downloaded"]
