"""Nothing but evidence lives forever: every table the bot writes is filled the way the bot
fills it, time moves on past every retention limit (the default settings), and the daily
privacy job leaves only the evidence (pseudonymous), the identity tombstones and tables
that hold no person. A new table must either be purged by the job or be named here with
the reason it may stay.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, select

import migrations.models  # noqa: F401  (every table into the metadata)
from bot.config import Settings
from bot.privacy import run_daily
from bot.records.events import claim_event
from bot.records.inbox import InboxRow
from bot.records.questions import record_question
from bot.records.references import save_reference
from bot.records.report_links import store_report
from bot.records.web_access import WebSession, WebSignInLink
from routines import ledger
from routines.engine.models import Confirmation, Occurrence
from routines.engine.training import TrainingAttempt
from routines.requests.models import RightsRequest
from storage.base import Base
from storage.people import Person, person_key_for
from storage.sessions import session_factory, transaction

THEN = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
LATER = THEN + timedelta(days=6 * 366)  # past every default limit (5 years the longest)

# What may stay for good, and why (docs/privacy.md, "Retention").
EVIDENCE = {
    "occurrences", "occurrence_assignees", "confirmations", "occurrence_notes",
    "notifications", "posted_messages", "ledger_entries", "ledger_head",
}  # fmt: skip
NO_PERSON = {
    "routine_first_seen",  # a routine id and a date
    "training_question_tallies",  # per question: asked, right
    "report_link_keys",  # the download links' HMAC key
    "heartbeats",  # a host name and a time; the next beat deletes rows a day old
}
TOMBSTONES = {"people"}  # rows stay with erased_at, no id, name or e-mail


def fill(engine: Engine) -> None:
    with transaction(session_factory(engine)) as session:
        worker = person_key_for(session, "slack", "UWORKER01", THEN, display_name="Wera")
        person_key_for(session, "teams", "aad-asker", THEN, email="asker@example.se")
        save_reference(
            session,
            platform="teams",
            kind="person",
            ref_key="aad-asker",
            conversation_id="a:asker",
            reference={},
            now=THEN,
            personal=True,
        )
        claim_event(session, "slack", "hmac-of-an-event", THEN)
        session.add(InboxRow(platform="slack", kind="action", body="payload=...",
                             received_at=THEN, taken_until=THEN, attempts=2))  # fmt: skip
        record_question(session, text="får vi?", lang="sv", answered=False, article_id=None,
                        score=0.1, now=THEN)  # fmt: skip
        store_report(session, person_key=worker, filename="r.csv", mime_type="text/csv",
                     content=b"x", now=THEN)  # fmt: skip
        session.add(
            WebSignInLink(
                token_hash="a" * 64,
                person_key=worker,
                via="chat",
                created_at=THEN,
                expires_at=THEN + timedelta(minutes=10),
            )
        )
        session.add(WebSession(id_hash="b" * 64, person_key=worker, created_at=THEN,
                               expires_at=THEN + timedelta(hours=8)))  # fmt: skip
        session.add(
            RightsRequest(
                code="abc123",
                client_id="acme",
                kind="access",
                client_ref="T-1",
                received_on=THEN.date(),
                forward_by=THEN.date(),
                respond_by=THEN.date(),
                registered_at=THEN,
                registered_by=worker,
                platform="slack",
            )
        )
        occurrence = Occurrence(
            routine_id="training", scheduled_date=date(2027, 1, 4), post_date=date(2027, 1, 4),
            due_date=date(2027, 1, 18), status="done", created_at=THEN,
        )  # fmt: skip
        session.add(occurrence)
        session.flush()
        session.add(Confirmation(occurrence_id=occurrence.id, person_key=worker, created_at=THEN))
        session.add(TrainingAttempt(occurrence_id=occurrence.id, routine_id="training",
                                    person_key=worker, attempt=1, lang="sv", questions="q1",
                                    position=1, right=1, started_at=THEN, finished_at=THEN,
                                    passed=True))  # fmt: skip
        ledger.append_event(
            session, ledger.CONFIRMATION_RECORDED,
            {"occurrence_id": occurrence.id, "person_key": worker}, THEN,
        )  # fmt: skip


def rows_left(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        counts = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
    return {name: n for name, n in counts.items() if n}


def test_past_every_limit_only_evidence_and_tables_without_people_remain(engine: Engine) -> None:
    fill(engine)
    assert set(rows_left(engine)) >= {"inbox", "question_log", "rights_requests", "web_sessions"}
    settings = Settings()

    with transaction(session_factory(engine)) as session:
        run_daily(
            session, now=LATER, question_log_days=settings.question_log_days,
            evidence_years=settings.evidence_years, requests_years=settings.requests_years,
            timezone=settings.timezone, identity_idle_days=settings.identity_idle_days,
        )  # fmt: skip

    assert set(rows_left(engine)) - EVIDENCE - NO_PERSON - TOMBSTONES == set()
    with transaction(session_factory(engine)) as session:
        people = session.scalars(select(Person)).all()
    assert [(p.platform_user_id, p.display_name, p.email) for p in people] == [(None,) * 3] * 2
