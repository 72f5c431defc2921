"""One occurrence as the web page shows it: its history from the ledger, its evidence tied
to ledger entries (and checked against them), lists behind a number, one ledger entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text, update

from routines import ledger
from routines.catalog import Catalog
from routines.engine import models as m
from routines.engine.acknowledgements import Actor
from routines.ledger.keys import LedgerKeys, current_keys, use_keys
from routines.reports.views import EvidenceViews
from storage.sessions import session_factory, transaction
from tests.routines.routine_env import RecordingNotifier, at, catalog_from, make_service

# Posted 2027-01-04 09:00, due 2027-01-11; reminded 1 day before; escalated 2 days late.
ONE = """\
routines:
  - id: retention
    title: {sv: Gallring, en: Retention review}
    schedule: {every: quarter, anchor: 2027-01-04}
    due_days: 7
    post_to: [{platform: slack, channel: C0GDPR}]
    assignees: {people: ["slack:UANNA"]}
    remind: {before: [1]}
    escalate: {after_days: 2, to: [{platform: slack, person: UBOSS}]}
    evidence: optional
"""
ANNA = Actor("slack", "UANNA", "Anna Andersson")
LINK = "https://intranet.example.com/gallring/2027-01"


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return catalog_from(tmp_path, ONE)


@pytest.fixture
async def lived(engine: Engine, catalog: Catalog) -> tuple[EvidenceViews, int]:
    """Posted, reminded, escalated, confirmed late with a link, and a note added."""
    service = make_service(engine, catalog, RecordingNotifier())
    for moment in ("2026-12-20 08:00", "2027-01-04 09:00", "2027-01-10 09:00", "2027-01-13 09:00"):
        await service.tick(at(moment))
    [item] = service.open_for(ANNA, at("2027-01-13 10:00"))
    service.confirm(item.occurrence_id, ANNA, at("2027-01-13 10:00"), note=f"Klart, se {LINK}")
    service.add_note(item.occurrence_id, ANNA, "Loggen i ärende 42", at("2027-01-13 10:05"))
    views = EvidenceViews(session_factory(engine), catalog, timezone="Europe/Stockholm")
    return views, item.occurrence_id


def test_the_history_is_the_ledgers(lived: tuple[EvidenceViews, int]) -> None:
    views, occurrence_id = lived

    detail = views.occurrence(occurrence_id, at("2027-01-20 09:00"), "sv")

    assert detail is not None and detail.outcome == "late"
    events = [(h.event, h.kind, h.who) for h in detail.history]
    assert events[0] == ("occurrence.created", "", "")
    assert ("reminder.posted", "post", "") in events
    assert ("reminder.posted", "reminder", "Anna Andersson") in events
    assert ("escalation.posted", "escalation", "UBOSS") in events
    assert ("confirmation.recorded", "", "Anna Andersson") in events
    assert [h.entry.seq for h in detail.history] == sorted(h.entry.seq for h in detail.history)
    assert detail.history[1].detail == "slack · C0GDPR"


def test_evidence_is_tied_to_its_entries_and_matches_them(
    lived: tuple[EvidenceViews, int],
) -> None:
    views, occurrence_id = lived

    detail = views.occurrence(occurrence_id, at("2027-01-20 09:00"), "sv")

    assert detail is not None
    confirm, note = detail.evidence
    assert (confirm.kind, confirm.who, confirm.at) == (
        "confirm",
        "Anna Andersson",
        "2027-01-13 10:00",
    )
    assert LINK in confirm.text and confirm.matches_ledger is True
    assert (note.kind, note.matches_ledger) == ("note", True)
    assert confirm.entry is not None and note.entry is not None
    assert note.entry.seq > confirm.entry.seq
    assert [a.answered for a in detail.assignees] == ["confirm"]


def test_a_note_changed_in_the_table_no_longer_matches_the_ledger(
    lived: tuple[EvidenceViews, int], engine: Engine
) -> None:
    views, occurrence_id = lived
    with transaction(session_factory(engine)) as session:
        session.execute(update(m.Confirmation).values(note="Klart (ändrat i efterhand)"))

    detail = views.occurrence(occurrence_id, at("2027-01-20 09:00"), "sv")

    assert detail is not None and detail.evidence[0].matches_ledger is False


def test_lists_filter_by_outcome_period_and_routine(lived: tuple[EvidenceViews, int]) -> None:
    views, occurrence_id = lived
    now = at("2027-01-20 09:00")

    assert [r.occurrence_id for r in views.occurrences(now, "sv", outcome="late").rows] == [
        occurrence_id
    ]
    assert views.occurrences(now, "sv", outcome="on_time").total == 0
    assert views.occurrences(now, "sv", routines={"other"}).total == 0
    assert views.occurrences(now, "sv", overdue=True).total == 0


def test_a_ledger_entry_shows_its_checks_and_a_changed_one_fails_them(
    lived: tuple[EvidenceViews, int], engine: Engine
) -> None:
    views, _ = lived
    entry = views.ledger_entry(3)
    assert entry is not None and entry.hash_ok and entry.links_ok

    with engine.begin() as conn:
        for statement in ledger.drop_append_only_ddl(engine.dialect.name):
            conn.execute(text(statement))
        conn.execute(
            text("UPDATE ledger_entries SET payload = replace(payload, 'C0GDPR', 'C0XXXX')")
        )

    changed = [views.ledger_entry(seq) for seq in range(1, 8)]
    assert any(e is not None and not e.hash_ok for e in changed)
    assert views.ledger_entry(10_000) is None


def test_an_entry_made_with_the_ledger_key_passes_its_hash_check(
    lived: tuple[EvidenceViews, int], engine: Engine
) -> None:
    views, _ = lived
    keys = current_keys()
    use_keys(LedgerKeys.of(["web-page-test-key-0123456789abcdef0123456789"]))
    try:
        with transaction(session_factory(engine)) as session:
            seq = ledger.append_event(
                session, ledger.LEDGER_SEALED, {"seq": 1}, at("2027-01-21 09:00")
            ).seq
        entry = views.ledger_entry(seq)
        assert entry is not None and entry.hash_ok and entry.links_ok
        use_keys(LedgerKeys.of(["another-key-the-entry-was-not-made-with-0123456"]))
        entry = views.ledger_entry(seq)
        assert entry is not None and not entry.hash_ok  # as `audit verify`: unknown_key
    finally:
        use_keys(keys)
