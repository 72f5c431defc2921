"""Readers for the deployment recipes in deploy/ and for README's settings table.

Small on purpose: enough of each format to check what the recipes name against the
project (commands, routes, settings, ports, files), not a general parser.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from tests.conftest import REPO

DEPLOY = REPO / "deploy"
# Variables a recipe may set for the bot process that are not the bot's own settings.
RUNTIME_VARIABLES = frozenset({"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"})


# --- README ------------------------------------------------------------------------------


def readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def readme_section(title: str) -> str:
    text = readme()
    assert f"\n## {title}\n" in text, f"README has no section {title!r}"
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def documented_settings() -> dict[str, str]:
    """README "Settings" table: variable -> its default as written (`(none)` for none)."""
    rows = re.finditer(r"^\| `([A-Za-z_]+)` \| ([^|]*) \|", readme_section("Settings"), re.M)
    return {m.group(1): m.group(2).strip().strip("`") for m in rows}


def default_port() -> int:
    return int(documented_settings()["GDPRBOT_PORT"])


# --- Dockerfile --------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int

    def exec_form(self) -> list[str] | None:
        """`["a", "b"]` arguments as a list; None for the shell form."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        value = json.loads(text)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value)
        return list(value)


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            tokens = shlex.split(instruction.args)
            if tokens and "=" not in tokens[0]:  # legacy `ENV KEY value`
                values[tokens[0]] = " ".join(tokens[1:])
                continue
            for token in tokens:
                key, _, value = token.partition("=")
                values[key] = value
        return values


def parse_dockerfile(path: Path) -> list[Stage]:
    """Stages with their instructions; continuation lines joined, comments dropped."""
    stages: list[Stage] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        text = " ".join(part for part in pending if part)
        pending = []
        keyword, _, args = text.partition(" ")
        instruction = Instruction(keyword.upper(), args.strip(), start)
        if instruction.keyword == "FROM":
            words = instruction.args.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif instruction.keyword == "ARG" and not stages:
            continue  # global build arguments before the first FROM
        else:
            assert stages, f"{path}:{number}: {keyword} before FROM"
            stages[-1].instructions.append(instruction)
    assert not pending, f"{path}: ends inside a continued line"
    return stages


def copy_sources(instruction: Instruction) -> list[str]:
    """The source paths of a COPY (without `--from`/`--chown` options and the target)."""
    words = [w for w in shlex.split(instruction.args) if not w.startswith("--")]
    return words[:-1]


# --- systemd -----------------------------------------------------------------------------


class _MultiValues(dict[str, Any]):
    """Keeps every value of a key that systemd allows to repeat (Environment=, ...)."""

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, list) and key in self and isinstance(self[key], list):
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


def parse_unit(path: Path) -> configparser.RawConfigParser:
    """A systemd unit as configparser reads it; repeated keys become one value per line."""
    parser = configparser.RawConfigParser(
        strict=False, dict_type=_MultiValues, empty_lines_in_values=False
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser


def unit_values(unit: configparser.RawConfigParser, section: str, key: str) -> list[str]:
    if not unit.has_option(section, key):
        return []
    value = unit.get(section, key)
    return [line.strip() for line in value.splitlines()] or [""]  # `Key=` empties a list


def unit_environment(unit: configparser.RawConfigParser) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in unit_values(unit, "Service", "Environment"):
        for token in shlex.split(line):
            key, _, value = token.partition("=")
            values[key] = value
    return values


# --- env files, compose, nginx -----------------------------------------------------------


def env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, including commented-out `#KEY=value` examples."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^#?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line.strip())
        if found:
            values[found.group(1)] = found.group(2)
    return values


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))
    return loaded


def nginx_locations(text: str) -> dict[str, str]:
    """`location [=] PATH { body }` -> body (one level of braces, as the recipe uses)."""
    return {
        m.group(2): m.group(3) for m in re.finditer(r"location\s+(=\s*)?(\S+)\s*\{([^{}]*)\}", text)
    }


def nginx_servers(text: str) -> list[str]:
    """`server HOST:PORT ...;` lines of an upstream file, as HOST:PORT."""
    return re.findall(r"^\s*server\s+(\S+?)[\s;]", text, re.M)


def project_scripts() -> dict[str, str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    scripts: dict[str, str] = pyproject["project"]["scripts"]
    return scripts


def project_packages() -> list[str]:
    """Top-level package folders pyproject's setuptools `include` patterns select."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    names = {pattern.split(".")[0].rstrip("*") for pattern in patterns}
    return sorted(name for name in names if (REPO / name / "__init__.py").is_file())


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:"):
        return None
    return Path(urlparse(url).path[1:]) if url.startswith("sqlite:////") else None
