"""`gdpr-bot web link PERSON` through the real command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.records.web_access import WebSignInLink
from storage.engines import make_engine
from storage.people import Person
from storage.sessions import session_factory
from tests.bot.web.scenario import CATALOGUE

runner = CliRunner()
SECRET = "cli-test-secret-" + "f" * 32


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    catalogue = tmp_path / "routines.yaml"
    catalogue.write_text(CATALOGUE, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name, value in {
        "GDPRBOT_DATABASE_URL": url,
        "GDPRBOT_ROUTINES_FILE": str(catalogue),
        "GDPRBOT_COMPLIANCE_OFFICERS": "U0DPO",
        "GDPRBOT_WEB_SECRET": SECRET,
        "GDPRBOT_PUBLIC_URL": "https://bot.example.com/gdpr",
    }.items():
        monkeypatch.setenv(name, value)
    return url


def gdpr_bot(*args: str) -> Result:
    return runner.invoke(app, ["web", "link", *args])


def count(url: str, what: object) -> int:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(what)) or 0)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_an_officer_met_for_the_first_time_gets_a_link(configured: str) -> None:
    result = gdpr_bot("slack:U0DPO")

    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"https://bot\.example\.com/gdpr/signin/[\w-]+\.[\w-]+\n", result.stdout)
    assert count(configured, WebSignInLink) == 1


def test_a_team_lead_gets_one_too(configured: str) -> None:
    assert gdpr_bot("slack:U0LEADSUP").exit_code == 0


def test_anyone_else_is_refused_and_not_recorded(configured: str) -> None:
    result = gdpr_bot("slack:U0EMPLOYEE")

    assert result.exit_code == 1
    assert "neither a compliance officer" in result.stderr
    assert count(configured, Person) == 0


def test_an_unknown_email_is_named(configured: str) -> None:
    result = gdpr_bot("nobody@example.se")

    assert result.exit_code == 1
    assert "no such person" in result.stderr


def test_production_without_a_secret_says_what_to_set(
    configured: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GDPRBOT_WEB_SECRET")

    result = gdpr_bot("slack:U0DPO")

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "GDPRBOT_WEB_SECRET" in result.stderr
