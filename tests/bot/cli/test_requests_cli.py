"""`gdpr-bot requests add|forward|list` through the real command line (exit codes 0, 1, 2)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner, Result

from bot.cli import app
from clients import EXAMPLE_DIR

runner = CliRunner()
TODAY = date.today()


@pytest.fixture(autouse=True)
def settings(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))


def gdpr_bot(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _add(*extra: str) -> Result:
    return gdpr_bot(
        "requests", "add", "--client", "solvinge", "--type", "erasure",
        "--received", (TODAY - timedelta(days=1)).isoformat(), *extra,
    )  # fmt: skip


def _code(result: Result) -> str:
    return result.stdout.split(":", 1)[1].split()[0]


def test_add_prints_the_code_the_controller_and_the_deadlines() -> None:
    result = _add("--ref", "SV-77")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("registered: ")
    assert "Solvinge Resor AB (org.nr 556000-0001)" in result.stdout
    assert "dataskydd@solvinge.example" in result.stdout
    assert "Art. 12(3)" in result.stdout


def test_the_same_ref_twice_is_registered_once(engine: Engine) -> None:
    first = _add("--ref", "SV-77")
    second = _add("--ref", "SV-77")

    assert second.exit_code == 0
    assert second.stdout.startswith("already registered: ")
    assert _code(first) == _code(second)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from rights_requests")).scalar_one() == 1


def test_an_unknown_client_is_one_line_naming_the_known_ones_and_exit_2() -> None:
    result = gdpr_bot("requests", "add", "--client", "solvinga", "--type", "access",
                      "--received", TODAY.isoformat())  # fmt: skip

    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown client 'solvinga'" in result.stderr and "solvinge" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--type", "delete", "--received", TODAY.isoformat()), "--type 'delete'"),
        (("--type", "access", "--received", "yesterday"), "--received must be a date"),
        (
            ("--type", "access", "--received", (TODAY + timedelta(days=2)).isoformat()),
            "in the future",
        ),
        (  # older than GDPRBOT_REQUESTS_YEARS (3): the daily purge would delete it at once
            ("--type", "access", "--received", (TODAY - timedelta(days=4 * 366)).isoformat()),
            "GDPRBOT_REQUESTS_YEARS",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    result = gdpr_bot("requests", "add", "--client", "hemladan", *args)

    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_forward_marks_it_once_and_unknown_codes_exit_1() -> None:
    code = _code(_add())

    first = gdpr_bot("requests", "forward", code, "--via", "email")
    second = gdpr_bot("requests", "forward", code)
    unknown = gdpr_bot("requests", "forward", "zzzzzz")

    assert first.exit_code == 0 and first.stdout.startswith(f"forwarded: {code}")
    assert second.exit_code == 0 and second.stdout.startswith(f"already forwarded: {code}")
    assert unknown.exit_code == 1 and "no request 'zzzzzz'" in unknown.stderr


def test_list_open_shows_only_what_is_not_forwarded() -> None:
    open_code = _code(_add())
    done_code = _code(_add())
    gdpr_bot("requests", "forward", done_code)

    listed = json.loads(gdpr_bot("requests", "list", "--open", "--json").stdout)

    assert [row["code"] for row in listed] == [open_code]
    assert listed[0]["client"] == "solvinge" and listed[0]["forwarded_at"] is None
