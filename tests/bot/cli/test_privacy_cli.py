"""`gdpr-bot privacy export|erase|purge` end to end through the real command line."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner, Result

from bot.cli import app, pretend
from bot.records.questions import QuestionRecord, record_question
from routines import ledger
from storage.people import Person, person_key_for
from storage.sessions import session_factory, transaction

runner = CliRunner()
NOW = datetime(2027, 6, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def seeded(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Two people and a confirmation each in the ledger; the CLI points at the same database."""
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", database_url)
    with transaction(session_factory(engine)) as session:
        for user, name, email in (("U0CLI1", "Cecilia Lind", "cecilia@example.se"),
                                  ("U0CLI2", "David Ek", "david@example.se")):  # fmt: skip
            key = person_key_for(session, "slack", user, NOW, display_name=name, email=email)
            ledger.append_event(session, ledger.CONFIRMATION_RECORDED, {"person_key": key}, NOW)
    return engine


def gdpr_bot(*args: str) -> Result:
    return runner.invoke(app, list(args))


def test_export_prints_the_person_as_json(seeded: Engine) -> None:
    result = gdpr_bot("privacy", "export", "cecilia@example.se")
    assert result.exit_code == 0, result.output
    extract = json.loads(result.stdout)
    (identity,) = extract["identities"]
    assert identity["person"]["display_name"] == "Cecilia Lind"
    assert "David" not in result.stdout


def test_export_to_a_file(seeded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "extract.json"
    result = gdpr_bot("privacy", "export", "U0CLI2", "--out", str(out))
    assert result.exit_code == 0
    assert json.loads(out.read_text("utf-8"))["identities"][0]["person"]["email"] == (
        "david@example.se"
    )


def test_export_takes_the_platform_prefixed_id_web_link_and_routine_files_use(
    seeded: Engine,
) -> None:
    result = gdpr_bot("privacy", "export", "slack:U0CLI2")
    assert result.exit_code == 0, result.output
    (identity,) = json.loads(result.stdout)["identities"]
    assert identity["person"]["display_name"] == "David Ek"
    assert gdpr_bot("privacy", "export", "teams:U0CLI2").exit_code == 1  # another platform


def test_an_unknown_person_exits_1_with_a_clear_message(seeded: Engine) -> None:
    for command in ("export", "erase"):
        result = gdpr_bot("privacy", command, "nobody@example.se")
        assert result.exit_code == 1
        assert "no person" in result.stderr


def test_erase_then_the_ledger_still_verifies(seeded: Engine) -> None:
    result = gdpr_bot("privacy", "erase", "U0CLI1")
    assert result.exit_code == 0, result.output
    assert "erased 1 identity" in result.stdout
    verify = gdpr_bot("audit", "verify")
    assert verify.exit_code == 0, verify.output
    assert "entries: 3" in verify.stdout
    with session_factory(seeded)() as session:
        names = set(session.scalars(select(Person.display_name)))
    assert names == {None, "David Ek"}


@pytest.fixture
def old_questions(seeded: Engine) -> Engine:
    """Two questions: one 89 days before NOW (kept), one 91 days before (purged); the log
    keeps the day a question was asked, not the time."""
    with transaction(session_factory(seeded)) as session:
        for days in (89, 91):
            record_question(
                session, text=f"day {days}", lang="sv", answered=False, article_id=None,
                score=0.0, now=NOW - timedelta(days=days),
            )  # fmt: skip
    return seeded


def questions_left(engine: Engine) -> list[str]:
    with session_factory(engine)() as session:
        return sorted(session.scalars(select(QuestionRecord.text)).all())


def test_purge_with_write_applies_retention_at_a_past_moment(
    old_questions: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pretend, "utc_now", lambda: NOW + timedelta(days=1))
    result = gdpr_bot("privacy", "purge", "--now", NOW.isoformat(), "--write")
    assert result.exit_code == 0, result.output
    assert "questions purged (older than 90 days): 1" in result.stdout
    assert questions_left(old_questions) == ["day 89"]


def test_purge_with_a_pretend_time_counts_and_deletes_nothing(old_questions: Engine) -> None:
    result = gdpr_bot("privacy", "purge", "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert "questions would be purged (older than 90 days): 1" in result.stdout
    assert result.stdout.splitlines()[-1] == "dry run: nothing was written"
    assert questions_left(old_questions) == ["day 89", "day 91"]


def test_purge_refuses_to_write_at_a_future_moment(
    old_questions: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pretend, "utc_now", lambda: NOW - timedelta(days=1))
    result = gdpr_bot("privacy", "purge", "--now", NOW.isoformat(), "--write")
    assert result.exit_code == 2
    assert "in the future" in result.stderr
    assert questions_left(old_questions) == ["day 89", "day 91"]


def test_purge_refuses_a_bad_moment(seeded: Engine) -> None:
    result = gdpr_bot("privacy", "purge", "--now", "next tuesday")
    assert result.exit_code == 2
    assert "ISO" in result.stderr
    with session_factory(seeded)() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 2


def test_an_export_the_disk_cannot_take_leaves_no_truncated_file(
    seeded: Engine, database_url: str, tmp_path: Path
) -> None:
    if seeded.dialect.name != "postgresql":
        pytest.skip("the size limit would stop SQLite's own files too")
    out = tmp_path / "extract.json"

    def small_files() -> None:  # the kernel refuses writes past 200 bytes: a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))

    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "privacy", "export", "U0CLI2", "--out", str(out)],
        env={**os.environ, "GDPRBOT_DATABASE_URL": database_url, "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=small_files, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists()  # not the first 200 bytes of someone's register extract
    assert list(tmp_path.iterdir()) == []
