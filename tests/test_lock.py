"""uv.lock: installs are reproducible, and a lock that disagrees with pyproject.toml stops CI.

`make test` runs `make lock-check` before installing (README, "Development"); these tests
hold the lock to what is installed and check that the check fails with its one line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

STALE = "uv.lock does not match pyproject.toml: run 'make lock' and commit both files"
VENV_BIN = Path(sys.executable).parent


def lock() -> dict[str, Any]:
    return tomllib.loads((REPO / "uv.lock").read_text("utf-8"))


def normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def run_lock_check(project: Path) -> subprocess.CompletedProcess[str]:
    """The Makefile's `lock-check` target on `project`, with this venv's uv."""
    if not (VENV_BIN / "uv").is_file():
        pytest.skip("uv is not in this environment (make test installs it)")
    (project / ".venv").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    return subprocess.run(
        ["make", "-s", "--no-print-directory", "lock-check", f"BIN={VENV_BIN}"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def test_the_repositorys_lock_matches_pyproject(project_copy: Path) -> None:
    done = run_lock_check(project_copy)
    assert done.returncode == 0, done.stderr


def test_a_dependency_missing_from_the_lock_fails_with_one_line(project_copy: Path) -> None:
    pyproject = project_copy / "pyproject.toml"
    text = pyproject.read_text("utf-8")
    pyproject.write_text(text.replace("dependencies = [\n", 'dependencies = [\n    "six",\n', 1))

    done = run_lock_check(project_copy)

    assert done.returncode != 0
    ours = [line for line in done.stderr.splitlines() if not re.match(r"make(\[\d+\])?: ", line)]
    assert ours == [STALE]


def test_a_changed_version_bound_fails_too(project_copy: Path) -> None:
    pyproject = project_copy / "pyproject.toml"
    text = pyproject.read_text("utf-8")
    assert '"typer>=0.12"' in text
    pyproject.write_text(text.replace('"typer>=0.12"', '"typer>=0.12,<0.13"'))

    done = run_lock_check(project_copy)

    assert done.returncode != 0 and STALE in done.stderr


def test_every_locked_package_comes_with_hashes() -> None:
    for package in lock()["package"]:
        if "registry" not in package.get("source", {}):
            continue  # the project itself
        files = [package.get("sdist", {}), *package.get("wheels", [])]
        hashed = [f for f in files if f and f.get("hash", "").startswith("sha256:")]
        assert hashed and len(hashed) == len([f for f in files if f]), package["name"]


def test_what_the_tests_run_with_is_what_the_lock_pins() -> None:
    locked = {normalise(p["name"]): p["version"] for p in lock()["package"]}
    installed = {normalise(d.metadata["Name"]): d.version for d in distributions()}
    differ = {
        name: (version, locked[name])
        for name, version in installed.items()
        if name in locked and version != locked[name]
    }
    assert not differ, f"installed vs locked: {differ} (make test installs from uv.lock)"
    dev = {normalise(n) for n in ("pytest", "ruff", "mypy", "uv")}
    assert dev <= set(installed) & set(locked)
