"""The `clients` package stands alone, ships its example, and is named by GDPRBOT_CLIENTS."""

from __future__ import annotations

import ast
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from bot.config import Settings
from clients import EXAMPLE_DIR

REPO = Path(__file__).resolve().parents[2]
ALLOWED = set(sys.stdlib_module_names) | {"__future__", "yaml", "clients"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_clients_imports_only_the_standard_library_and_pyyaml() -> None:
    files = sorted((REPO / "clients").rglob("*.py"))
    assert len(files) > 3  # the scan found the package
    outside = {f"{f.relative_to(REPO)}: {m}" for f in files for m in imports(f) - ALLOWED}

    assert outside == set(), "clients/ must stay pure (stdlib + PyYAML); move that code to bot/"


def test_the_example_directory_is_package_data_of_the_wheel() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["clients"]
    shipped = [p.relative_to(REPO / "clients").as_posix() for p in EXAMPLE_DIR.glob("*")]

    assert shipped and all(any(fnmatch(name, g) for g in globs) for name in shipped)


def test_gdprbot_clients_is_a_comma_separated_list_of_paths(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GDPRBOT_CLIENTS", "/etc/gdpr-bot/clients, ~/more.yaml")

    assert Settings().clients_paths == [
        Path("/etc/gdpr-bot/clients"),
        Path("~/more.yaml").expanduser(),
    ]


def test_there_is_no_client_directory_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GDPRBOT_CLIENTS", raising=False)

    assert Settings().clients_paths == []
