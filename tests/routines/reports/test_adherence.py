"""Adherence figures and evidence rows on a quarter with every outcome (SQLite + PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from routines.reports.adherence import Summary, parse_period, summarise
from routines.reports.details import DetailRow, iter_details
from storage.sessions import session_factory
from tests.routines import report_scenario as scenario


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    factory = session_factory(engine)
    scenario.build(factory)
    return factory


@pytest.fixture
def summary(factory: sessionmaker[Session]) -> Summary:
    with factory() as session:
        return summarise(session, scenario.scope())


@pytest.fixture
def rows(factory: sessionmaker[Session]) -> list[DetailRow]:
    with factory() as session:
        return list(iter_details(session, scenario.scope()))


# --- periods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31)),
        ("2027-q4", date(2027, 10, 1), date(2027, 12, 31)),
        ("2027-02", date(2027, 2, 1), date(2027, 2, 28)),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        ("2027", date(2027, 1, 1), date(2027, 12, 31)),
        ("2027-01-15..2027-02-15", date(2027, 1, 15), date(2027, 2, 15)),
    ],
)
def test_periods_parse_to_inclusive_date_ranges(text: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2027-Q5", "2027-13", "Q1", "", "2027-03-01..2027-01-01"])
def test_bad_periods_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


# --- figures -------------------------------------------------------------------------------


def test_total_counts_every_outcome(summary: Summary) -> None:
    total = summary.total
    assert (total.occurrences, total.on_time, total.late, total.missing) == (6, 1, 1, 2)
    assert (total.not_applicable, total.pending, total.applicable) == (1, 1, 4)


def test_adherence_rate_is_on_time_over_applicable(summary: Summary) -> None:
    assert summary.total.rate == 0.25


def test_median_days_late_is_over_late_confirmations(summary: Summary) -> None:
    assert summary.total.median_days_late == 3.0


def test_figures_per_routine(summary: Summary) -> None:
    figures = {f.routine_id: f.tally.as_dict() for f in summary.routines}
    assert figures["retention"]["adherence_rate"] == 1.0
    assert {
        k: figures["dsr-queue"][k] for k in ("on_time", "late", "missing", "not_applicable")
    } == {
        "on_time": 0,
        "late": 1,
        "missing": 1,
        "not_applicable": 1,
    }
    assert figures["dsr-queue"]["pending"] == 1
    assert figures["training"]["missing"] == 1
    assert figures["training"]["adherence_rate"] == 0.0


def test_figures_per_team(summary: Summary) -> None:
    assert summary.teams["#gdpr"].occurrences == 2
    assert summary.teams["#gdpr"].rate == 0.5
    assert summary.teams["#kundtjanst"].occurrences == 4


def test_routine_filter_limits_the_report(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        only = summarise(session, scenario.scope(routine_id="training"))
        rows = list(iter_details(session, scenario.scope(routine_id="training")))
    assert [f.routine_id for f in only.routines] == ["training"]
    assert {r.routine_id for r in rows} == {"training"}


def test_occurrences_outside_the_period_are_left_out(rows: list[DetailRow]) -> None:
    assert all(r.scheduled_date < "2027-04-01" for r in rows)


def test_an_open_occurrence_not_yet_due_is_pending(rows: list[DetailRow]) -> None:
    pending = [r for r in rows if r.scheduled_date == "2027-03-29"]
    assert [r.outcome for r in pending] == ["pending"]


# --- detail rows ---------------------------------------------------------------------------


def test_one_row_per_occurrence_and_required_confirmer(rows: list[DetailRow]) -> None:
    assert len(rows) == 8
    training = [r for r in rows if r.routine_id == "training"]
    assert sorted(r.person for r in training) == ["Anna Andersson", "raderad person"]


def test_confirmed_row_names_the_confirmer_and_its_ledger_entry(rows: list[DetailRow]) -> None:
    late = next(r for r in rows if r.outcome == "late")
    assert late.confirmed_by == "Bo Berg"
    assert late.days_late == 3
    assert late.note == scenario.NOTE_WITH_SPECIALS
    assert len(late.ledger_hash) == 64


def test_unconfirmed_required_confirmer_has_no_confirmation(rows: list[DetailRow]) -> None:
    bo_on_done = next(r for r in rows if r.routine_id == "retention" and r.person == "Bo Berg")
    assert (bo_on_done.confirmed_by, bo_on_done.ledger_hash, bo_on_done.days_late) == ("", "", None)


def test_missing_rows_count_days_overdue(rows: list[DetailRow]) -> None:
    missed = next(r for r in rows if r.status == "missed")
    assert missed.days_late == 21  # closed 03-01, due 02-08
    cecilia = next(r for r in rows if r.person == "raderad person")
    assert cecilia.days_late == 26  # still open on 04-10, due 03-15


def test_erased_person_is_shown_as_erased_in_english(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        rows = list(iter_details(session, scenario.scope(lang="en")))
    assert "erased person" in {r.person for r in rows}
    assert "Cecilia Ek" not in {r.person for r in rows}


def test_not_applicable_row_carries_the_reason(rows: list[DetailRow]) -> None:
    na = next(r for r in rows if r.outcome == "not_applicable")
    assert (na.confirmation, na.note) == ("not_applicable", scenario.NA_REASON)
    assert len(na.ledger_hash) == 64
