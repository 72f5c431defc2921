"""Erasure leaves nothing: after `privacy erase`, no table of a real SQLite file or a real
PostgreSQL database holds the person's name, e-mail address, or any platform id.

The person leaves traces the way the running bot leaves them (the same record functions):
identities on Slack and Teams, Teams references from a 1:1 chat and from a channel post,
a reminder delivered into their 1:1 chat (where it landed, and an edit queued into it),
claimed event keys that contain their ids, a question naming their e-mail, a report file
waiting for download that names them, a confirmation and its ledger entry, a reminder
waiting for them, a failed one whose error quotes their chat, a note and a question naming
them, and a raw Teams activity still waiting in the inbox. Then every column of every
table is read back and searched.

What is kept on purpose (docs/privacy.md): the opaque person key in evidence and the
ledger, and the erased identity row with `erased_at` (no id, name or e-mail).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import migrations.models  # noqa: F401  (every table into the metadata)
from bot.platforms.teams.activities import references_from_activity
from bot.platforms.teams.handler import dedupe_key
from bot.privacy.erase import erase_person
from bot.records.events import claim_event, event_key
from bot.records.inbox import InboxRow
from bot.records.questions import record_question
from bot.records.references import save_references
from bot.records.report_links import store_report
from routines.engine.models import (
    PENDING,
    Confirmation,
    Notification,
    Occurrence,
    OccurrenceNote,
    PostedMessage,
)
from routines.ledger import CONFIRMATION_RECORDED, append_event
from storage.base import Base
from storage.people import person_key_for
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
NAME, EMAIL = "Anna Andersson", "anna.andersson@example.se"
SLACK_ID, AAD_ID, TEAMS_ID = "UANNA0001", "aad-anna-0001", "29:anna-0001"
ONE_ON_ONE = "a:anna-one-on-one-0001"
NEEDLES = (NAME, EMAIL, SLACK_ID, AAD_ID, TEAMS_ID, ONE_ON_ONE)
SERVICE_URL = "https://smba.trafficmanager.net/emea/"


def teams_activity(conversation: dict[str, object], **extra: object) -> dict[str, object]:
    return {
        "type": "message",
        "id": "1700000000001",
        "text": f"mejla {EMAIL}",
        "from": {"id": TEAMS_ID, "aadObjectId": AAD_ID, "name": NAME},
        "recipient": {"id": "28:bot", "name": "GDPR-boten"},
        "conversation": conversation,
        "channelId": "msteams",
        "serviceUrl": SERVICE_URL,
        "channelData": {"tenant": {"id": "tenant-1"}},
        **extra,
    }


def leave_traces(session: Session) -> None:
    slack_key = person_key_for(session, "slack", SLACK_ID, NOW, display_name=NAME, email=EMAIL)
    teams_key = person_key_for(session, "teams", AAD_ID, NOW, display_name=NAME, email=EMAIL)
    officer = person_key_for(session, "slack", "UDPO0001", NOW, display_name="Dana")
    personal = teams_activity({"id": ONE_ON_ONE, "conversationType": "personal"})
    channel = teams_activity(
        {"id": "19:ops@thread.tacv2;messageid=17", "conversationType": "channel"},
        channelData={"tenant": {"id": "tenant-1"}, "channel": {"id": "19:ops@thread.tacv2"}},
    )
    save_references(session, references_from_activity(personal), NOW)
    save_references(session, references_from_activity(channel), NOW)
    # Event keys as the front ends make them: a Slack click, a Teams activity.
    for platform, key in (
        ("slack", f"1700000000.000100:{SLACK_ID}"),
        ("teams", dedupe_key(ONE_ON_ONE, "1700000000001")),
    ):
        claim_event(session, platform, event_key(platform, key, None), NOW)
    record_question(
        session, text=f"Får {NAME} spara {EMAIL}?", lang="sv", answered=False,
        article_id=None, score=0.1, now=NOW,
    )  # fmt: skip
    session.add(
        InboxRow(platform="teams", kind="message", body=json.dumps(personal), received_at=NOW,
                 taken_until=NOW, attempts=1)
    )  # fmt: skip
    store_report(
        session, person_key=officer, filename="report.csv", mime_type="text/csv",
        content=f"routine,confirmed_by\nretention,{NAME}\n".encode(), now=NOW,
    )  # fmt: skip
    occurrence = Occurrence(
        routine_id="retention", scheduled_date=date(2027, 1, 4), post_date=date(2027, 1, 4),
        due_date=date(2027, 1, 18), status="done", created_at=NOW,
    )  # fmt: skip
    session.add(occurrence)
    session.flush()
    session.add(Confirmation(occurrence_id=occurrence.id, person_key=slack_key, created_at=NOW))
    session.add(OccurrenceNote(occurrence_id=occurrence.id, person_key=slack_key,
                               text=f"Kontrollerat, {NAME}", created_at=NOW))  # fmt: skip
    append_event(
        session, CONFIRMATION_RECORDED,
        {"occurrence_id": occurrence.id, "person_key": slack_key}, NOW,
    )  # fmt: skip
    session.add(
        Notification(
            occurrence_id=occurrence.id, kind="reminder", recipient_platform="teams",
            recipient_kind="person", recipient_address=teams_key, status=PENDING,
            not_before=NOW, created_at=NOW,
        )
    )  # fmt: skip
    # A reminder that failed, its error quoting their chat as the platform client raised it.
    session.add(
        Notification(
            occurrence_id=occurrence.id, kind="reminder", recipient_platform="teams",
            recipient_kind="person", recipient_address=teams_key, sequence=2, status="failed",
            not_before=NOW, created_at=NOW,
            last_error=f"HTTPError: 403 for /v3/conversations/{ONE_ON_ONE}/activities",
        )
    )  # fmt: skip
    # A reminder delivered into their 1:1 chat, and the edit queued into it on closing.
    delivered = Notification(
        occurrence_id=occurrence.id, kind="reminder", recipient_platform="teams",
        recipient_kind="person", recipient_address=teams_key, sequence=1, status="sent",
        not_before=NOW, created_at=NOW,
    )  # fmt: skip
    session.add(delivered)
    session.flush()
    posted = PostedMessage(
        notification_id=delivered.id, occurrence_id=occurrence.id, platform="teams",
        conversation_id=ONE_ON_ONE, message_id="1700000000009", created_at=NOW,
    )  # fmt: skip
    session.add(posted)
    session.flush()
    session.add(
        Notification(
            occurrence_id=occurrence.id, kind="update", recipient_platform="teams",
            recipient_kind="channel", recipient_address=ONE_ON_ONE, sequence=posted.id,
            status=PENDING, not_before=NOW, created_at=NOW,
        )
    )  # fmt: skip


def found_anywhere(engine: Engine) -> list[str]:
    """`table.column: needle` for every needle found in any column of any table."""
    found = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = (
                        value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    ).lower()
                    found.extend(
                        f"{table.name}.{column}: {needle}"
                        for needle in NEEDLES
                        if needle.lower() in text
                    )
    return found


@pytest.fixture
def traced(engine: Engine) -> Engine:
    with transaction(session_factory(engine)) as session:
        leave_traces(session)
    assert found_anywhere(engine), "the traces must be there before the erasure"
    return engine


def test_after_erasure_no_table_holds_the_persons_name_email_or_ids(traced: Engine) -> None:
    with transaction(session_factory(traced)) as session:
        erasure = erase_person(session, EMAIL, now=NOW)
    assert len(erasure.person_keys) == 2  # Slack and Teams

    assert found_anywhere(traced) == []


def test_the_evidence_is_still_there_under_the_opaque_key(traced: Engine) -> None:
    with transaction(session_factory(traced)) as session:
        erase_person(session, EMAIL, now=NOW)
    with transaction(session_factory(traced)) as session:
        assert session.scalar(select(Confirmation.person_key)) is not None
