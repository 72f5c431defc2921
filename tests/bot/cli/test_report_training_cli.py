"""`gdpr-bot report --training`: per campaign passed, failed, not finished, pass rate and
who is overdue, as CSV or JSON; bad input is one line and exit 2."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from bot.cli import app
from routines import ledger
from routines.catalog import load_catalog
from routines.engine.acknowledgements import Actor
from routines.service import RoutineService, Training
from storage.engines import make_engine
from storage.migrate import create_schema
from storage.sessions import session_factory
from tests.routines.engine.test_training import CAMPAIGN
from tests.routines.routine_env import RecordingNotifier, at

ANNA = Actor("slack", "UANNA", "Anna")
BO = Actor("slack", "UBO", "Bo")


def draw(lang: str, avoid: Sequence[str], training: Training) -> list[str]:
    return ["q1", "q2"]


@pytest.fixture
async def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Engine]:
    """Anna passed the campaign, Bo failed it; the catalogue names the campaign."""
    monkeypatch.chdir(tmp_path)
    catalogue = tmp_path / "routines.yaml"
    catalogue.write_text(CAMPAIGN, encoding="utf-8")
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", str(catalogue))
    engine = make_engine(sqlite_url)
    create_schema(engine)
    service = RoutineService(
        session_factory(engine), load_catalog([catalogue], include_default=False),
        RecordingNotifier(),
    )  # fmt: skip
    await service.tick(at("2027-02-15 09:00"))
    for actor, right in ((ANNA, True), (BO, False)):
        started = service.quiz.start(1, actor, "sv", draw, at("2027-02-15 10:00"))
        assert started.attempt is not None
        judge = (lambda q, lang: True) if right else (lambda q, lang: False)
        for position in range(2):
            service.quiz.answer(started.attempt.id, position, judge, actor, at("2027-02-15 10:00"))
    yield engine
    engine.dispose()


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["report", "--training", *args])


def test_json_counts_passed_failed_and_names_who_is_overdue(db: Engine) -> None:
    result = run("--period", "2027-Q1", "--format", "json", "--now", "2027-03-10T09:00")
    assert result.exit_code == 0, result.output
    [campaign] = json.loads(result.stdout)["campaigns"]
    assert {k: campaign[k] for k in ("routine_id", "audience", "passed", "failed",
                                     "not_finished", "pass_rate", "overdue")} == {
        "routine_id": "onboarding-quiz", "audience": 2, "passed": 1, "failed": 1,
        "not_finished": 0, "pass_rate": 0.5, "overdue": ["Bo"],
    }  # fmt: skip


def test_before_the_due_date_nobody_is_overdue(db: Engine) -> None:
    result = run("--period", "2027-Q1", "--format", "csv", "--now", "2027-02-20T09:00")
    assert result.exit_code == 0, result.output
    header, row = result.stdout_bytes.decode("utf-8-sig").splitlines()
    assert header.startswith("occurrence_id,routine_id,due_date,status,audience,passed")
    assert row.endswith(",2,1,1,0,0.5,,")  # nobody overdue; the campaign posts to no channel


def test_a_format_it_cannot_write_is_a_usage_error(db: Engine) -> None:
    result = run("--period", "2027-Q1", "--format", "pdf")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --format with --training must be one of csv, json, html, zip"
    )


def exported(engine: Engine) -> list[dict[str, object]]:
    with session_factory(engine)() as session:
        rows = session.scalars(
            select(ledger.LedgerEntry.payload).where(
                ledger.LedgerEntry.event == ledger.REPORT_EXPORTED
            )
        ).all()
    return [json.loads(row)["data"] for row in rows]


def test_an_export_is_a_ledger_entry_naming_the_files_hash(db: Engine, tmp_path: Path) -> None:
    out = tmp_path / "training.zip"
    result = run("--period", "2027-Q1", "--format", "zip", "--out", str(out))
    assert result.exit_code == 0, result.output
    [entry] = exported(db)
    assert (entry["report"], entry["who"], entry["format"]) == ("training", "cli", "zip")
    assert entry["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert "ledger entry" in result.stderr
    members = zipfile.ZipFile(out).namelist()
    assert {"training.html", "teams.csv", "people.csv", "SHA256SUMS"} <= set(members)


def test_with_pretend_time_nothing_is_recorded(db: Engine) -> None:
    result = run("--period", "2027-Q1", "--format", "html", "--now", "2027-03-10T09:00")
    assert result.exit_code == 0, result.output
    assert "<h2>Per person</h2>" in result.stdout and "Bo" in result.stdout
    assert exported(db) == []
    assert "not recorded (--now)" in result.stderr


def test_an_unknown_training_routine_is_a_usage_error(db: Engine) -> None:
    result = run("--period", "2027-Q1", "--routine", "retention")
    assert result.exit_code == 2
    assert "no training routine 'retention'" in result.stderr


def test_quiz_stats_lists_the_least_understood_question_first(db: Engine) -> None:
    result = CliRunner().invoke(app, ["quiz", "stats", "--json"])
    assert result.exit_code == 0, result.output
    questions = json.loads(result.stdout)["questions"]
    assert [(q["id"], q["asked"], q["right"]) for q in questions] == [
        ("q1", 2, 1),
        ("q2", 2, 1),
    ]
    assert questions[0]["share_right"] == 0.5


def test_an_erased_person_is_counted_but_never_named(db: Engine) -> None:
    from bot.privacy.erase import erase_person
    from storage.clock import utc_now
    from storage.sessions import transaction

    with transaction(session_factory(db)) as session:
        erase_person(session, "UBO", now=utc_now())
    result = run("--period", "2027-Q1", "--format", "json", "--now", "2027-03-10T09:00")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["campaigns"][0]["overdue"] == ["(erased)"]
    assert "Bo" not in result.stdout
