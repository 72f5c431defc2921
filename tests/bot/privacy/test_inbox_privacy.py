"""The durable inbox holds raw platform payloads (text, ids): nothing in it outlives its
use. Erasure deletes the person's unprocessed payloads; the daily privacy job deletes
what no worker will finish (poison rows, whatever the platform, and anything a week old).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote_plus

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.privacy import erase_person, run_daily
from bot.records.inbox import KEEP, MAX_ATTEMPTS, InboxRow
from storage.people import person_key_for
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
SLACK_ID, AAD_ID, EMAIL = "UERIK0001", "6F1C0E2A-EEEE-4B5C-9D8E-000000000002", "erik@example.se"


def slack_click(user: str) -> str:
    """A Slack block action as Slack posts it: form-encoded JSON."""
    payload = {"type": "block_actions", "user": {"id": user}, "actions": [{"value": "1"}]}
    return "payload=" + quote_plus(json.dumps(payload))


def teams_message(aad: str, text: str) -> str:
    return json.dumps({"type": "message", "text": text, "from": {"id": "29:x", "aadObjectId": aad}})


def stored(session: Session, platform: str, kind: str, body: str, **row: object) -> None:
    values: dict[str, object] = {"received_at": NOW, "taken_until": NOW, "attempts": 1, **row}
    session.add(InboxRow(platform=platform, kind=kind, body=body, **values))


def bodies(session: Session) -> list[str]:
    return list(session.scalars(select(InboxRow.body).order_by(InboxRow.id)))


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with transaction(session_factory(engine)) as s:
        yield s


def daily(session: Session, now: datetime) -> int:
    result = run_daily(session, now=now, question_log_days=90, evidence_years=5)
    return result.inbox_purged


def test_erasure_deletes_the_persons_unprocessed_payloads_and_no_one_elses(
    session: Session,
) -> None:
    person_key_for(session, "slack", SLACK_ID, NOW, email=EMAIL)
    person_key_for(session, "teams", AAD_ID.lower(), NOW, email=EMAIL)
    stored(session, "slack", "action", slack_click(SLACK_ID))
    stored(session, "teams", "message", teams_message(AAD_ID, "a question"))  # other case
    stored(session, "slack", "message", json.dumps({"event": {"text": f"mail {EMAIL}"}}))
    kept = slack_click("UOTHER001")
    stored(session, "slack", "action", kept)
    session.flush()

    erase_person(session, EMAIL, now=NOW)

    assert bodies(session) == [kept]


def test_a_fresh_payload_waiting_for_its_worker_is_kept(session: Session) -> None:
    stored(session, "slack", "action", slack_click("U1"), taken_until=NOW + timedelta(seconds=30))
    session.flush()

    assert daily(session, NOW) == 0
    assert len(bodies(session)) == 1


def test_a_poison_payload_goes_once_its_lease_ran_out_even_if_no_worker_takes_it(
    session: Session,
) -> None:
    # Teams switched off: its worker never runs `take_due` again to drop the row.
    stored(session, "teams", "message", teams_message(AAD_ID, "x"), attempts=MAX_ATTEMPTS)
    session.flush()

    assert daily(session, NOW + timedelta(minutes=1)) == 1
    assert bodies(session) == []


def test_no_payload_is_kept_longer_than_the_inbox_limit(session: Session) -> None:
    stored(session, "teams", "message", teams_message(AAD_ID, "x"), attempts=2,
           taken_until=NOW + KEEP)  # fmt: skip
    session.flush()

    assert daily(session, NOW + KEEP) == 0
    assert daily(session, NOW + KEEP + timedelta(seconds=1)) == 1
