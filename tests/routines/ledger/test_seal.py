"""The weekly ledger seal posts the chain head and records that it did, once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.catalog import load_catalog
from routines.engine import models as m
from routines.ledger.seal import ledger_seal_provider
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
MONDAY = date(2027, 1, 4)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    factory = session_factory(engine)
    with transaction(factory) as session:
        for i in range(3):
            ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": i}, NOW)
    return factory


def seal_routine():  # type: ignore[no-untyped-def]
    routine = load_catalog().get("ledger-seal")
    assert routine is not None
    return routine


def test_shipped_catalogue_has_a_weekly_seal_routine() -> None:
    routine = seal_routine()
    assert routine.kind == "ledger_seal"
    assert routine.schedule.cron == "0 9 * * 1"


def test_seal_text_names_the_head_in_both_languages(factory: sessionmaker[Session]) -> None:
    seq, digest = ledger.head(factory.kw["bind"])
    with transaction(factory) as session:
        content = ledger_seal_provider(session, seal_routine(), MONDAY, NOW)
    assert f"post {seq}, hash `{digest}`" in content.text["sv"]
    assert f"entry {seq}, hash `{digest}`" in content.text["en"]
    assert f"audit verify --head {digest}" in content.text["en"]


def test_seal_text_tells_how_to_keep_and_check_a_witness_file(
    factory: sessionmaker[Session],
) -> None:
    seq, digest = ledger.head(factory.kw["bind"])
    with transaction(factory) as session:
        content = ledger_seal_provider(session, seal_routine(), MONDAY, NOW)
    for lang, file_word in (("sv", "FIL"), ("en", "FILE")):
        assert f"`{seq} {digest}`" in content.text[lang]  # the line a witness file holds
        assert f"audit witness --file {file_word}" in content.text[lang]
        assert f"audit verify --witness {file_word}" in content.text[lang]


def test_seal_appends_a_sealed_entry_with_the_head(factory: sessionmaker[Session]) -> None:
    seq, digest = ledger.head(factory.kw["bind"])
    with transaction(factory) as session:
        ledger_seal_provider(session, seal_routine(), MONDAY, NOW)
    new_seq, _ = ledger.head(factory.kw["bind"])
    with factory() as session:
        payload = json.loads(
            session.scalars(
                select(ledger.LedgerEntry.payload).where(ledger.LedgerEntry.seq == new_seq)
            ).one()
        )
    assert payload["event"] == ledger.LEDGER_SEALED
    assert (payload["data"]["seq"], payload["data"]["hash"]) == (seq, digest)


def test_seal_for_an_existing_occurrence_appends_nothing(factory: sessionmaker[Session]) -> None:
    routine = seal_routine()
    with transaction(factory) as session:
        session.add(
            m.Occurrence(
                routine_id=routine.id,
                scheduled_date=MONDAY,
                post_date=MONDAY,
                due_date=MONDAY,
                status=m.OPEN,
                created_at=NOW,
            )
        )
    before = ledger.head(factory.kw["bind"])
    with transaction(factory) as session:
        ledger_seal_provider(session, routine, MONDAY, NOW)
    assert ledger.head(factory.kw["bind"]) == before
