"""deploy/systemd/gdpr-bot.service: `gdpr-bot run` as a hardened service.

Read with configparser and held against the project (command, settings, the nginx
upstream's port); where this machine has systemd-analyze, the unit is also verified and
its exposure scored, offline.
"""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.recipes import (
    DEPLOY,
    default_port,
    documented_settings,
    env_file,
    nginx_servers,
    parse_unit,
    project_scripts,
    sqlite_path,
    unit_environment,
    unit_values,
)

UNIT = DEPLOY / "systemd" / "gdpr-bot.service"
# systemd-analyze security rates exposure 0.0 (locked down) ... 10.0; "OK" is below 4.0.
# Its --threshold is in tenths: 20 = 2.0 (the unit scores 1.3 with systemd 252).
MAX_EXPOSURE_TENTHS = 20


@pytest.fixture(scope="module")
def unit() -> configparser.RawConfigParser:
    return parse_unit(UNIT)


def one(unit: configparser.RawConfigParser, key: str) -> str:
    (value,) = unit_values(unit, "Service", key)
    return value


def test_exec_start_runs_gdpr_bot_run(unit: configparser.RawConfigParser) -> None:
    argv = shlex.split(one(unit, "ExecStart"))
    assert Path(argv[0]).is_absolute()  # systemd needs an absolute path
    assert Path(argv[0]).name in project_scripts() and argv[0].endswith("/gdpr-bot")
    assert argv[1:] == ["run"]


def test_hardening_options(unit: configparser.RawConfigParser) -> None:
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "RestrictNamespaces": "yes",
        "RestrictSUIDSGID": "yes",
        "LockPersonality": "yes",
        "CapabilityBoundingSet": "",
    }
    for key, value in expected.items():
        assert one(unit, key) == value, key
    families = set(one(unit, "RestrictAddressFamilies").split())
    assert families == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert unit_values(unit, "Service", "SystemCallFilter")[0] == "@system-service"


def test_runs_as_an_unprivileged_user(unit: configparser.RawConfigParser) -> None:
    dynamic = unit_values(unit, "Service", "DynamicUser") == ["yes"]
    user = unit_values(unit, "Service", "User")
    assert dynamic or (user and user[0] not in {"root", "0"})


def test_writes_only_to_its_data_directory(unit: configparser.RawConfigParser) -> None:
    state = Path("/var/lib") / one(unit, "StateDirectory")
    writable = [Path(p.lstrip("-")) for p in one(unit, "ReadWritePaths").split()]
    assert writable == [state]
    assert Path(one(unit, "WorkingDirectory")) == state
    database = sqlite_path(unit_environment(unit)["GDPRBOT_DATABASE_URL"])
    assert database is not None and database.parent == state


def test_secrets_come_from_an_environment_file_outside_the_repository(
    unit: configparser.RawConfigParser,
) -> None:
    path = one(unit, "EnvironmentFile").lstrip("-")
    assert path.startswith("/etc/")
    for value in unit_environment(unit).values():
        assert "xoxb-" not in value and "xapp-" not in value


def test_every_variable_it_sets_is_a_documented_setting(
    unit: configparser.RawConfigParser,
) -> None:
    settings = documented_settings()
    names = set(unit_environment(unit)) | set(env_file(DEPLOY / "gdpr-bot.env.example"))
    assert not names - set(settings), f"not in README's Settings: {sorted(names - set(settings))}"


def test_listens_on_loopback_where_the_nginx_example_looks(
    unit: configparser.RawConfigParser,
) -> None:
    env = unit_environment(unit)
    assert env["GDPRBOT_HOST"] == "127.0.0.1"  # only the proxy on this host reaches it
    assert int(env["GDPRBOT_PORT"]) == default_port()
    upstream = (DEPLOY / "nginx" / "upstream.conf").read_text("utf-8")
    assert nginx_servers(upstream) == [f"127.0.0.1:{env['GDPRBOT_PORT']}"]
    assert env["GDPRBOT_CONSOLE"] == "off"  # no terminal under systemd


def installed_copy(tmp_path: Path, unit: configparser.RawConfigParser) -> Path:
    """The unit with ExecStart pointed at this checkout's gdpr-bot, which exists here."""
    here = Path(sys.executable).parent / "gdpr-bot"
    text = UNIT.read_text("utf-8").replace(shlex.split(one(unit, "ExecStart"))[0], str(here))
    copy = tmp_path / UNIT.name
    copy.write_text(text, encoding="utf-8")
    return copy


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    return found


def test_systemd_accepts_the_unit(tmp_path: Path, unit: configparser.RawConfigParser) -> None:
    done = subprocess.run(
        [systemd_analyze(), "verify", "--man=no", str(installed_copy(tmp_path, unit))],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_systemd_rates_the_service_well_locked_down(
    tmp_path: Path, unit: configparser.RawConfigParser
) -> None:
    done = subprocess.run(
        [
            systemd_analyze(),
            "security",
            "--offline=true",
            f"--threshold={MAX_EXPOSURE_TENTHS}",
            "--no-pager",
            str(installed_copy(tmp_path, unit)),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
