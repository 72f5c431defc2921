"""`gdpr-bot insights` through the real command line: text, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.records.questions import record_question
from storage.sessions import session_factory, transaction

runner = CliRunner()


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: presentation is tested here; the queries run on both databases in
    tests/bot/test_insights.py."""
    return sqlite_url


@pytest.fixture
def seeded(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("GDPRBOT_TIMEZONE", "UTC")
    recent = datetime.now(UTC) - timedelta(days=1)
    with transaction(session_factory(engine)) as session:
        for text, lang, article, at in (
            ("Får vi spela in samtal?", "sv", "recording", recent),
            ("Kan vi använda WhatsApp?", "sv", None, recent),
            ("Kan vi använda whatsapp", "sv", None, recent),
            ("Old unanswered question", "en", None, datetime(2020, 1, 1, tzinfo=UTC)),
        ):
            record_question(
                session, text=text, lang=lang, answered=article is not None,
                article_id=article, score=1.0, now=at,
            )  # fmt: skip
    return engine


def gdpr_bot(*args: str) -> Result:
    return runner.invoke(app, ["insights", *args])


def test_json_has_the_figures(seeded: Engine) -> None:
    result = gdpr_bot("--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["asked"], data["answered"]) == (4, 1)
    assert data["unanswered"][0] == {
        "text": "Kan vi använda WhatsApp?",
        "count": 2,
        "lang": "sv",
        "examples": ["Kan vi använda whatsapp"],
    }


def test_since_limits_the_period(seeded: Engine) -> None:
    since = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    data = json.loads(gdpr_bot("--since", since, "--format", "json").stdout)
    assert data["asked"] == 3
    assert data["since"].startswith(since)


def test_csv_opens_with_a_header_row(seeded: Engine) -> None:
    result = gdpr_bot("--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert rows[0]["section"] == "total" and rows[0]["count"] == "4"


def test_text_in_english(seeded: Engine) -> None:
    result = gdpr_bot("--lang", "en")
    assert result.exit_code == 0
    assert "Unanswered questions" in result.stdout and "2× (sv): Kan vi använda WhatsApp?" in (
        result.stdout
    )


def test_a_bad_date_exits_2(seeded: Engine) -> None:
    result = gdpr_bot("--since", "last month")
    assert result.exit_code == 2
    assert "ISO date" in result.stderr
