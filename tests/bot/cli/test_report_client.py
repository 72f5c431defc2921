"""`gdpr-bot report --client ID`: one client's requests, on time / late / open, as proof."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner, Result

from bot.cli import app
from clients import EXAMPLE_DIR
from routines.requests.register import RequestRegister
from storage.sessions import session_factory

runner = CliRunner()
MONDAY = date(2027, 3, 1)


@pytest.fixture
def seeded(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch,
           tmp_path: Path) -> Engine:  # fmt: skip
    """Solvinge (1 business day): one on time, one late, one open and late, one open;
    Hemlådan: one, which Solvinge's report must not show."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))
    register = RequestRegister(session_factory(engine), timezone="Europe/Stockholm")
    at = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

    def add(client: str, received: date) -> str:
        return register.register(
            client_id=client, kind="access", received_on=received, business_days=1,
            now=datetime(2027, 3, 20, tzinfo=UTC), actor=None,
        ).request.code  # fmt: skip

    on_time, late = add("solvinge", MONDAY), add("solvinge", MONDAY)
    register.forward(on_time, now=at + timedelta(hours=3), actor=None)
    register.forward(late, now=at + timedelta(days=3), actor=None)
    add("solvinge", MONDAY)  # never forwarded: late by now
    add("solvinge", date(2027, 3, 19))  # due 22 March
    add("hemladan", MONDAY)
    return engine


def gdpr_bot(*args: str) -> Result:
    return runner.invoke(app, ["report", "--client", *args])


def test_the_json_report_counts_on_time_late_and_open(seeded: Engine) -> None:
    result = gdpr_bot("solvinge", "--from", "2027-03-01", "--to", "2027-03-31",
                      "--format", "json", "--now", "2027-03-20T10:00")  # fmt: skip

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["figures"] == {
        "received": 4, "forwarded_on_time": 1, "forwarded_late": 1, "open_not_yet_due": 1,
        "open_late": 1, "on_time_share": round(1 / 3, 4), "median_business_days_to_forward": 1.5,
    }  # fmt: skip
    assert {row["client"] for row in report["requests"]} == {"solvinge"}


def test_an_export_is_a_ledger_entry_with_the_files_hash(seeded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "solvinge.csv"

    result = gdpr_bot("solvinge", "--period", "2027-03", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8-sig").startswith("code,client,type,")
    with seeded.connect() as conn:
        payload = conn.execute(
            text("select payload from ledger_entries where event = 'report.exported'")
        ).scalar_one()
    assert '"report":"rights_requests"' in payload and '"client":"solvinge"' in payload


def test_pretend_time_writes_nothing(seeded: Engine) -> None:
    gdpr_bot("solvinge", "--period", "2027-03", "--now", "2027-04-01T09:00")

    with seeded.connect() as conn:
        count = conn.execute(
            text("select count(*) from ledger_entries where event = 'report.exported'")
        ).scalar_one()
    assert count == 0


def test_the_zip_holds_every_format_and_their_sums(seeded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "solvinge.zip"
    gdpr_bot("solvinge", "--period", "2027-Q1", "--format", "zip", "--out", str(out))

    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as package:
        names = sorted(package.namelist())
        sums = package.read("SHA256SUMS").decode()
    assert names == ["SHA256SUMS", "requests.csv", "requests.html", "requests.json"]
    assert "requests.csv" in sums and len(sums.splitlines()) == 3


def test_an_unknown_client_is_one_line_and_exit_2(seeded: Engine) -> None:
    result = gdpr_bot("nobody", "--period", "2027-Q1")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown client 'nobody'")


def test_a_ticket_number_that_looks_like_a_formula_is_text_in_the_csv(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ticket number is typed by an agent; the controller opens the CSV in Excel."""
    register = RequestRegister(session_factory(seeded), timezone="Europe/Stockholm")
    register.register(
        client_id="solvinge", kind="other", received_on=date(2027, 3, 2), business_days=1,
        now=datetime(2027, 3, 20, tzinfo=UTC), actor=None, client_ref='=HYPERLINK("http://x")',
    )  # fmt: skip

    result = gdpr_bot("solvinge", "--period", "2027-03", "--now", "2027-03-20T10:00")

    assert result.exit_code == 0, result.output
    assert "'=HYPERLINK" in result.stdout
    assert ",=HYPERLINK" not in result.stdout and ',"=HYPERLINK' not in result.stdout
