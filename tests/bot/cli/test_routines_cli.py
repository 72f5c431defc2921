"""`gdpr-bot routines check|list|upcoming|run-due` as an operator types them."""

from __future__ import annotations

import sqlite3
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app, pretend
from routines.catalog import load_catalog

QUARTERLY = """\
routines:
  - id: retention-review
    post_to: [{platform: slack, channel: C0GDPR}]
    assignees: {people: ["slack:UANNA"]}
    remind: {before: [7], every: 3}
    escalate: {after_days: 5, to: [{platform: slack, person: UBOSS}]}
  - id: team-check
    title: {sv: Teamkontroll, en: Team check}
    schedule: {every: quarter, anchor: 2026-10-01}
    business_days: true
    due_days: 14
    post_to: [{platform: slack, channel: C0TEAM}]
    assignees: channel
"""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", "")
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MicrosoftAppId"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return CliRunner()


def only_ours(text: str) -> str:
    """The test catalogue with every other shipped routine switched off."""
    others = {r.id for r in load_catalog().routines} - {"retention-review"}
    return text + "".join(f"  - id: {rid}\n    enabled: false\n" for rid in sorted(others))


def write(tmp_path: Path, text: str, name: str = "routines.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_check_prints_one_line_per_problem_and_exits_1(cli: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, """\
        routines:
          - id: broken
            title: {sv: Trasig, en: Broken}
            schedule: "0 9 * *"
            timezone: Europe/Atlantis
            post_to: [{platform: slack, channel: C1}]
            assignees: []
            colour: blue
        """)  # fmt: skip
    result = cli.invoke(app, ["routines", "check", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:8: colour: unknown field",
        f"{path}:5: timezone: unknown time zone 'Europe/Atlantis'",
        f"{path}:4: schedule: bad cron expression '0 9 * *': a cron expression has 5 fields, got 4",
        f"{path}:2: assignees: assignee missing (people, or 'channel')",
    ]


def test_check_of_a_good_file_says_ok(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["routines", "check", str(write(tmp_path, QUARTERLY))])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: ")


def test_check_of_a_file_that_is_not_there_is_a_usage_error(cli: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = cli.invoke(app, ["routines", "check", str(missing)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {missing}: no such file"
    assert result.stdout == ""


def test_check_of_a_file_that_is_not_utf8_text_names_it_as_a_problem(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "routines.yaml"
    latin1 = "routines:\n  - id: gallring\n    title: {sv: Årlig gallring}\n".encode("latin-1")
    path.write_bytes(latin1)
    result = cli.invoke(app, ["routines", "check", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{path}:3: file: is not UTF-8 text"]  # the Å


def test_run_due_names_a_configured_catalogue_that_is_not_utf8_text(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "routines.yaml"
    path.write_bytes(b"routines: [\xff]\n")
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", str(path))
    result = cli.invoke(app, ["routines", "run-due", "--now", "2027-01-04T09:00"])
    assert result.exit_code == 2
    assert "is not UTF-8 text" in result.output and "routines.yaml" in result.output


def test_check_names_the_setting_of_a_configured_file_that_is_not_there(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", str(tmp_path / "gone.yaml"))
    result = cli.invoke(app, ["routines", "check"])
    assert result.exit_code == 2
    assert "GDPRBOT_ROUTINES_FILE" in result.stderr


def test_list_shows_every_shipped_routine_with_its_gdpr_article(cli: CliRunner) -> None:
    result = cli.invoke(app, ["routines", "list", "--lang", "en"])
    assert result.exit_code == 0, result.output
    retention = next(
        line for line in result.stdout.splitlines() if line.startswith("retention-review")
    )
    assert retention.split("\t")[1:3] == ["every quarter", "5(1)(e)"]


def test_upcoming_a_negative_number_of_days_is_a_usage_error(cli: CliRunner) -> None:
    result = cli.invoke(app, ["routines", "upcoming", "--days", "-5"])
    assert result.exit_code == 2
    assert "--days" in result.output and len(result.output.strip().splitlines()) == 1


def test_upcoming_lists_dates_after_business_day_shifting(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", str(write(tmp_path, QUARTERLY)))
    result = cli.invoke(
        app, ["routines", "upcoming", "--days", "120", "--from", "2026-12-15", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    team = [line for line in result.stdout.splitlines() if " team-check " in line]
    assert team == ["2027-01-04  team-check  Team check", "2027-04-01  team-check  Team check"]


@pytest.fixture
def machine_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's clock reads 2027-02-01: the --now moments of these tests are past."""
    monkeypatch.setattr(pretend, "utc_now", lambda: datetime(2027, 2, 1, 12, 0, tzinfo=UTC))


def evidence_in(tmp_path: Path) -> tuple[int, int]:
    """(ledger entries, occurrences) in the test database."""
    with sqlite3.connect(tmp_path / "bot.db") as db:
        entries = db.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
        made = db.execute("SELECT count(*) FROM occurrences").fetchone()[0]
    return int(entries), int(made)


def test_run_due_with_write_prints_what_it_did_and_delivers_to_the_console(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, machine_clock: None
) -> None:
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", str(write(tmp_path, only_ours(QUARTERLY))))
    first = cli.invoke(app, ["routines", "run-due", "--now", "2026-12-20T09:00", "--write"])
    assert first.exit_code == 0, first.output
    due = cli.invoke(app, ["routines", "run-due", "--now", "2027-01-04T09:00", "--write"])
    assert due.exit_code == 0, due.output
    assert "--> slack channel C0TEAM" in due.stdout
    assert "created team-check 2027-01-04 (due 2027-01-18)" in due.stdout
    assert "created retention-review 2027-01-04 (due 2027-01-18)" in due.stdout
    assert "occurrences created: " in due.stdout and "posted: 2;" in due.stdout
    later = cli.invoke(app, ["routines", "run-due", "--now", "2027-01-23T09:00", "--write"])
    assert later.exit_code == 0, later.output
    assert later.stdout.splitlines()[-1] == (
        "occurrences created: 0; posted: 0; reminders: 0; re-reminders: 1; escalations: 1; "
        "updated: 0; retrying: 0; failed: 0"
    )


def test_run_due_with_a_pretend_time_shows_what_would_happen_and_writes_nothing(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, machine_clock: None
) -> None:
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", str(write(tmp_path, only_ours(QUARTERLY))))
    setup = cli.invoke(app, ["routines", "run-due", "--now", "2026-12-20T09:00", "--write"])
    assert setup.exit_code == 0, setup.output
    before = evidence_in(tmp_path)
    dry = cli.invoke(app, ["routines", "run-due", "--now", "2027-01-23T09:00"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith("dry run at 2027-01-23T09:00:00+01:00")
    assert "would have created team-check 2027-01-04 (due 2027-01-18) late" in dry.stdout
    assert "--> slack channel C0TEAM" in dry.stdout
    assert dry.stdout.splitlines()[-1] == "dry run: nothing was written"
    assert evidence_in(tmp_path) == before


def test_run_due_refuses_to_write_evidence_dated_in_the_future(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, machine_clock: None
) -> None:
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", str(write(tmp_path, only_ours(QUARTERLY))))
    setup = cli.invoke(app, ["routines", "run-due", "--now", "2026-12-20T09:00", "--write"])
    assert setup.exit_code == 0, setup.output
    before = evidence_in(tmp_path)
    result = cli.invoke(app, ["routines", "run-due", "--now", "2027-04-01T09:00", "--write"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "in the future" in result.stderr
    assert evidence_in(tmp_path) == before


def test_a_dry_run_on_a_database_file_not_made_yet_does_not_create_it(
    cli: CliRunner, tmp_path: Path
) -> None:
    result = cli.invoke(app, ["routines", "run-due", "--now", "2027-01-04T09:00"])
    assert result.exit_code == 0, result.output
    assert "would have created retention-review 2027-01-04" in result.stdout
    assert list(tmp_path.glob("bot.db*")) == []


def test_run_due_on_a_fresh_database_creates_what_upcoming_lists_for_that_day(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, machine_clock: None
) -> None:
    # 2027-01-01 is a holiday: quarterly routines are shifted to Monday 2027-01-04.
    listed = cli.invoke(app, ["routines", "upcoming", "--from", "2027-01-04", "--days", "0"])
    expected = {line.split()[1] for line in listed.stdout.splitlines()}
    assert "retention-review" in expected
    ran = cli.invoke(app, ["routines", "run-due", "--now", "2027-01-04T23:00", "--write"])
    assert ran.exit_code == 0, ran.output
    created = {line.split()[1] for line in ran.stdout.splitlines() if line.startswith("created ")}
    assert created == expected


def test_run_due_refuses_a_broken_catalogue(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", str(write(tmp_path, "routines:\n  - id: x\n")))
    result = cli.invoke(app, ["routines", "run-due", "--now", "2027-01-04T09:00"])
    assert result.exit_code == 2
    assert "the routine catalogue is broken: " in result.output
    assert "more: gdpr-bot routines check)" in result.output  # which lists them all


@pytest.mark.parametrize("command", [["list"], ["upcoming"], ["show", "x"]])
def test_a_configured_catalogue_that_is_not_there_is_an_environment_error(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", str(tmp_path / "gone.yaml"))
    result = cli.invoke(app, ["routines", *command])
    assert result.exit_code == 2
    assert "gone.yaml" in result.stderr
