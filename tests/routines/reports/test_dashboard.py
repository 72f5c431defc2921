"""The web pages' figures agree with the adherence report (SQLite + PostgreSQL).

The quarter of tests/routines/report_scenario.py, seen as of 2027-04-10: Q1 holds 1 on
time, 1 late, 2 missing, 1 not applicable and 1 pending; Q2 so far one pending; one
occurrence (training, due 03-15) is open and overdue.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.reports import dashboard
from routines.reports.adherence import parse_period, summarise
from routines.reports.views import EvidenceViews
from storage.sessions import session_factory, transaction
from tests.routines import report_scenario as scenario

TODAY = date(2027, 4, 10)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    factory = session_factory(engine)
    scenario.build(factory)
    return factory


@pytest.fixture
def views(factory: sessionmaker[Session]) -> EvidenceViews:
    return EvidenceViews(
        factory, None, timezone="Europe/Stockholm", titles=lambda lang: scenario.ROUTINES
    )


def test_the_overview_has_both_quarters_as_the_report_counts_them(views: EvidenceViews) -> None:
    overview = views.overview(scenario.NOW, "sv")

    q1 = overview.previous.tally
    assert (q1.on_time, q1.late, q1.missing, q1.not_applicable, q1.pending) == (1, 1, 2, 1, 1)
    assert q1.rate == 0.25
    assert overview.previous.period.label == "2027-Q1"
    assert overview.current.period.label == "2027-Q2"
    assert (overview.current.tally.occurrences, overview.current.tally.pending) == (1, 1)


def test_the_quarter_matches_the_report_exactly(
    views: EvidenceViews, factory: sessionmaker[Session]
) -> None:
    with factory() as session:
        report = summarise(session, scenario.scope()).total

    shown = views.overview(scenario.NOW, "sv").previous.tally

    assert shown.as_dict() | {"median_days_late": None} == report.as_dict() | {
        "median_days_late": None
    }


def test_the_trend_has_twelve_months_ending_now(views: EvidenceViews) -> None:
    trend = views.overview(scenario.NOW, "sv").trend

    assert [m.label for m in trend][-4:] == ["2027-01", "2027-02", "2027-03", "2027-04"]
    assert len(trend) == 12
    by_month = {m.label: m.tally for m in trend}
    assert (by_month["2027-01"].on_time, by_month["2027-01"].late) == (1, 1)
    assert by_month["2027-02"].missing == 2
    assert (by_month["2027-03"].not_applicable, by_month["2027-03"].pending) == (1, 1)
    assert by_month["2026-05"].occurrences == 0


def test_overdue_now_lists_the_oldest_first(views: EvidenceViews) -> None:
    overview = views.overview(scenario.NOW, "sv")

    assert overview.overdue == 1
    [item] = overview.oldest_overdue
    assert (item.routine_id, item.due_date, item.days) == ("training", date(2027, 3, 15), 26)
    assert item.title == "GDPR-utbildning"


def test_a_routine_filter_narrows_every_figure(views: EvidenceViews) -> None:
    overview = views.overview(scenario.NOW, "sv", routines={"dsr-queue"})

    q1 = overview.previous.tally
    assert (q1.occurrences, q1.late, q1.missing, q1.not_applicable) == (4, 1, 1, 1)
    assert overview.overdue == 0


def test_rows_per_routine_and_team(views: EvidenceViews) -> None:
    rows = views.routine_rows(parse_period("2027-Q1"), scenario.NOW, "sv")
    teams = {t.team: t for t in dashboard.team_rows(rows)}

    by_id = {r.routine_id: r for r in rows}
    assert by_id["dsr-queue"].tally.occurrences == 4
    assert by_id["training"].overdue == 1
    assert teams["#gdpr"].routines == 2 and teams["#gdpr"].tally.occurrences == 2
    assert (teams["#kundtjanst"].tally.applicable, teams["#kundtjanst"].tally.rate) == (2, 0.0)


def test_the_ledger_status_names_the_head_and_the_newest_seal(
    views: EvidenceViews, factory: sessionmaker[Session]
) -> None:
    status = views.overview(scenario.NOW, "sv").ledger
    with factory() as session:
        assert (status.head.seq, status.head.hash) == ledger.head(session)
    assert status.last_seal is None and status.last_verify is None
    assert status.last_witness is None

    with transaction(factory) as session:
        sealed = ledger.head(session)
        ledger.append_event(
            session,
            ledger.LEDGER_SEALED,
            {"routine_id": "seal", "scheduled_date": TODAY, "seq": sealed[0], "hash": sealed[1]},
            scenario.NOW,
        )

    seal = views.overview(scenario.NOW, "sv").ledger.last_seal
    assert seal is not None and (seal.seq, seal.hash) == sealed


def test_signing_in_appends_an_entry_by_person_key(
    views: EvidenceViews, factory: sessionmaker[Session]
) -> None:
    seq = views.record_sign_in("k-anna", via="chat", role="officer", now=scenario.NOW)

    with factory() as session:
        entry = session.get(ledger.LedgerEntry, seq)
    assert entry is not None and entry.event == ledger.WEB_SIGNED_IN
    assert entry.person_key == "k-anna"
