"""README documents what the code reads: every setting, every command and option.

README is the operator's manual: a setting or option that is read but not documented is
invisible, and a documented setting the code no longer reads misleads. These read the
code's own tables (the Settings model, the typer app), not a copy of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from bot.cli.root import build_app
from bot.config import Settings

README = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")


def section(start: str, end: str) -> str:
    begin = README.index(start)
    return README[begin : README.index(end, begin)]


SETTINGS_TABLE = set(re.findall(r"^\| `(\w+)` \|", section("| variable |", "\n\n"), re.M))
COMMAND_LIST = section("The command line (`gdpr-bot --help`", "\n```\n\n")


def setting_names() -> set[str]:
    """Each field's first alias: the environment variable README names it by."""
    aliases = (field.validation_alias for field in Settings.model_fields.values())
    return {alias.choices[0] for alias in aliases if hasattr(alias, "choices")}


def test_readme_documents_every_setting_the_code_reads() -> None:
    missing = setting_names() - SETTINGS_TABLE
    assert not missing, f"add a row to README's Settings table for {sorted(missing)}"


def test_readme_documents_no_setting_the_code_no_longer_reads() -> None:
    stale = SETTINGS_TABLE - setting_names()
    assert not stale, f"README's Settings table names settings bot/config.py lacks: {stale}"


def leaf_commands(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield path, command
        return
    for name, sub in subcommands.items():
        yield from leaf_commands(sub, f"{path} {name}")


COMMANDS = dict(leaf_commands(typer.main.get_command(build_app()), "gdpr-bot"))


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_readme_lists_the_command_and_its_options(path: str) -> None:
    group, *sub = path.split()[1:]
    # a group's lines: `gdpr-bot routines list [--lang en] | upcoming ... | run-due ...`
    lines = "\n".join(
        line for line in COMMAND_LIST.splitlines() if line.startswith(f"gdpr-bot {group}")
    )
    named = rf"(?:^gdpr-bot {group} |\| (?:{group} )?){re.escape(sub[0])}\b" if sub else "."
    assert re.search(named, lines, re.MULTILINE), f"README's command list lacks `{path}`"
    flags = [
        [*param.opts, *param.secondary_opts]
        for param in COMMANDS[path].params
        if param.opts and param.opts[0].startswith("--") and param.name != "help"
    ]
    missing = [names[0] for names in flags if not any(name in lines for name in names)]
    assert not missing, f"README's command list does not show {missing} of `{path}`"
