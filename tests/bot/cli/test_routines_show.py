"""`gdpr-bot routines show ID` and `routines list --lang`: a routine as an admin reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

CATALOGUE = """\
routines:
  - id: team-check
    title: {sv: Teamkontroll, en: Team check}
    description: {sv: Gå igenom behörigheterna., en: Review the access rights.}
    gdpr: ["32"]
    schedule: {every: quarter, anchor: 2026-10-01}
    due_days: 14
    post_to: [{platform: slack, channel: C0TEAM}]
    assignees: {people: ["slack:UANNA"], confirm: all}
    escalate: {after_days: 5, to: [{platform: slack, person: UBOSS}]}
    evidence: required
"""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    path = tmp_path / "routines.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", str(path))
    monkeypatch.chdir(tmp_path)  # no stray .env
    return CliRunner()


def fields(output: str) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in output.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def test_show_prints_the_routine_in_the_language_asked(cli: CliRunner) -> None:
    result = cli.invoke(app, ["routines", "show", "team-check", "--lang", "en"])

    assert result.exit_code == 0, result.output
    shown = fields(result.output)
    assert shown["title"] == "Team check"
    assert shown["description"] == "Review the access rights."
    assert shown["posted to"] == "slack channel C0TEAM"
    assert shown["assignees"] == "slack person UANNA (confirm: all)"
    assert shown["escalation"] == "after 5 days to slack person UBOSS"
    assert shown["evidence"] == "required"
    assert len(shown["next"].split(", ")) == 3


def test_show_defaults_to_swedish(cli: CliRunner) -> None:
    result = cli.invoke(app, ["routines", "show", "team-check"])

    assert fields(result.output)["title"] == "Teamkontroll"


def test_show_an_unknown_id_is_one_line_and_exit_2(cli: CliRunner) -> None:
    result = cli.invoke(app, ["routines", "show", "no-such-routine"])

    assert result.exit_code == 2
    assert result.output.strip() == "error: no routine 'no-such-routine' (gdpr-bot routines list)"


def test_list_in_english_uses_the_english_titles(cli: CliRunner) -> None:
    result = cli.invoke(app, ["routines", "list", "--lang", "en"])

    [ours] = [line for line in result.output.splitlines() if line.startswith("team-check\t")]
    assert ours.endswith("\tTeam check")
    assert "Quarterly retention review" in result.output  # the shipped catalogue too


def test_list_refuses_a_language_it_does_not_have(cli: CliRunner) -> None:
    result = cli.invoke(app, ["routines", "list", "--lang", "de"])

    assert result.exit_code == 2
    assert "expected sv or en" in result.output


def test_show_says_one_day_not_one_days() -> None:
    from bot.cli.routines import _days

    assert (_days(1), _days(2)) == ("1 day", "2 days")
