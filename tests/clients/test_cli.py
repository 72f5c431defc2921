"""`gdpr-bot clients check|list` through the real command line (exit codes 0, 1, 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from clients import EXAMPLE_DIR
from tests.clients.conftest import ACME, WriteFile

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_settings_from_outside(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No .env from the developer's cwd, no directory unless a test names one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GDPRBOT_CLIENTS", raising=False)


def gdpr_bot(*args: str) -> Result:
    return runner.invoke(app, list(args))


def test_check_of_a_good_directory_exits_0_with_a_one_line_summary() -> None:
    result = gdpr_bot("clients", "check", str(EXAMPLE_DIR))

    assert result.exit_code == 0
    assert result.stdout == f"ok: 2 clients in {EXAMPLE_DIR}\n"


def test_check_reads_gdprbot_clients_when_given_no_path(
    monkeypatch: pytest.MonkeyPatch, write: WriteFile
) -> None:
    monkeypatch.setenv("GDPRBOT_CLIENTS", f"{EXAMPLE_DIR}, {write(ACME)}")

    result = gdpr_bot("clients", "check")

    assert result.exit_code == 0
    assert result.stdout.startswith("ok: 3 clients in ")


def test_check_without_a_directory_says_there_is_none_and_exits_0() -> None:
    result = gdpr_bot("clients", "check")

    assert result.exit_code == 0
    assert "GDPRBOT_CLIENTS is empty" in result.stdout


def test_check_prints_every_problem_on_its_own_line_and_exits_1(write: WriteFile) -> None:
    path = write(ACME.replace("id: acme", "id: Acme").replace("C0ACME", "D0ACME"))

    result = gdpr_bot("clients", "check", str(path))

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"{path}:2", f"{path}:17"]
    assert result.stderr == "2 problem(s) in the client directory\n"


def test_check_of_a_path_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    result = gdpr_bot("clients", "check", str(tmp_path / "nope.yaml"))

    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'nope.yaml'} does not exist\n"


def test_a_missing_path_in_the_setting_is_named_as_such(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(tmp_path / "gone"))

    result = gdpr_bot("clients", "list")

    assert result.exit_code == 2
    assert (
        result.stderr == f"error: {tmp_path / 'gone'} (named by GDPRBOT_CLIENTS) does not exist\n"
    )


def test_list_prints_one_tab_separated_line_per_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))

    result = gdpr_bot("clients", "list")

    assert result.exit_code == 0
    first, second = result.stdout.splitlines()
    assert first.split("\t") == [
        "solvinge",
        "Solvinge Resor AB",
        "Solvinge Resor AB (org.nr 556000-0001)",
        "dataskydd@solvinge.example, https://solvinge.example/dataskydd",
        "C05SOLVINGE, 19:3f1c2a0b9d8e4f7a6b5c@thread.tacv2",
    ]
    assert second.startswith("hemladan\tHemlådan Nordic AB\t")


def test_list_json_prints_the_whole_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))

    result = gdpr_bot("clients", "list", "--json")

    clients = json.loads(result.stdout)
    assert [c["id"] for c in clients] == ["solvinge", "hemladan"]
    assert clients[1]["rights_requests"] == {
        "email": "integritet@hemladan.example",
        "url": None,
        "phone": "+46 8 000 12 34",
        "forward_within_business_days": 2,
        "script": clients[1]["rights_requests"]["script"],
    }
    assert set(clients[0]) == {
        "id", "name", "aliases", "controller", "rights_requests", "retention", "channels",
        "team_leads",
    }  # fmt: skip


def test_list_json_without_a_directory_is_an_empty_array() -> None:
    result = gdpr_bot("clients", "list", "--json")

    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_list_of_a_broken_directory_is_one_line_exit_2_pointing_at_check(
    monkeypatch: pytest.MonkeyPatch, write: WriteFile
) -> None:
    # the configured directory is the command's environment (2); only `clients check`
    # exits 1 for the problems it was asked to find
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(write(ACME.replace("C0ACME", "x"))))

    result = gdpr_bot("clients", "list")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: the client directory is broken: ")
    assert result.stderr.endswith("(gdpr-bot clients check)\n")


def test_a_bad_setting_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDPRBOT_PORT", "not-a-port")

    result = gdpr_bot("clients", "check")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: bad setting GDPRBOT_PORT: ")
    assert len(result.stderr.splitlines()) == 1


def test_the_installed_command_gives_one_line_and_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "clients", "check", "nope"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )

    assert done.returncode == 2
    assert done.stderr == "error: nope does not exist\n"
    assert done.stdout == ""
