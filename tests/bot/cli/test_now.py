"""`--now` means the same on every command that takes it: an ISO date-time without a zone
is local time in GDPRBOT_TIMEZONE (the zone routines are due in); a zone given is kept."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from bot.cli import app
from clients import EXAMPLE_DIR
from storage.engines import make_engine
from storage.migrate import create_schema

Check = Callable[[Result], str]  # what a command shows of the moment it ran "as of"


def banner(result: Result) -> str:
    [line] = [line for line in result.stdout.splitlines() if line.startswith("dry run at ")]
    return line.split()[3].rstrip(":")


def as_of(result: Result) -> str:
    data = json.loads(result.stdout)
    return str(data.get("summary", data)["as_of"])  # the adherence report nests it


REPORT = ("report", "--period", "2027-Q1", "--format", "json")
COMMANDS: dict[str, tuple[tuple[str, ...], Check]] = {
    "routines run-due": (("routines", "run-due"), banner),
    "privacy purge": (("privacy", "purge"), banner),
    "report": (REPORT, as_of),
    "report --training": ((*REPORT, "--training"), as_of),
    "report --client": ((*REPORT, "--client", "solvinge"), as_of),
}
# 23:30 in Stockholm on 4 January is 22:30 UTC; read as UTC it would be the 5th locally.
LOCAL = {
    "routines run-due": "2027-01-04T23:30:00+01:00",
    "privacy purge": "2027-01-04T23:30:00+01:00",
    "report": "2027-01-04T22:30:00+00:00",
    "report --training": "2027-01-04",
    "report --client": "2027-01-04",
}
IN_UTC = {
    "routines run-due": "2027-01-04T23:30:00+00:00",
    "privacy purge": "2027-01-04T23:30:00+00:00",
    "report": "2027-01-04T23:30:00+00:00",
    "report --training": "2027-01-05",
    "report --client": "2027-01-05",
}


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GDPRBOT_TIMEZONE", "Europe/Stockholm")
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))
    engine: Engine = make_engine(sqlite_url)
    create_schema(engine)
    engine.dispose()
    yield


def run(command: str, now: str) -> Result:
    args, _ = COMMANDS[command]
    return CliRunner().invoke(app, [*args, "--now", now])


@pytest.mark.parametrize("command", COMMANDS)
def test_a_now_without_a_zone_is_local_time(database: None, command: str) -> None:
    result = run(command, "2027-01-04T23:30")
    assert result.exit_code == 0, result.output
    assert COMMANDS[command][1](result) == LOCAL[command]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_now_with_a_zone_keeps_it(database: None, command: str) -> None:
    result = run(command, "2027-01-04T23:30Z")
    assert result.exit_code == 0, result.output
    assert COMMANDS[command][1](result) == IN_UTC[command]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_now_that_is_not_iso_is_one_line_and_exit_two(database: None, command: str) -> None:
    result = run(command, "next tuesday")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: --now must be an ISO date or date-time, not 'next tuesday'"
    ]
