"""The dependency rules of docs/architecture.md, checked by scanning every import.

- Only bot/slack/ imports slack_bolt / slack_sdk; only bot/teams/ imports botbuilder.
- knowledge/ and routines/ never import bot/ (the arrow points bot -> knowledge, routines).
- knowledge/ and routines/ are independent domains: neither imports the other.
- knowledge/ and routines/ import no web or chat framework at all.
- bot/messages.py is stdlib only; bot/conversation.py knows no platform.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "knowledge", "routines")
FRAMEWORKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp")


def python_files(package: str) -> list[Path]:
    return sorted(p for p in (REPO / package).rglob("*.py") if "__pycache__" not in p.parts)


def imported_modules(path: Path) -> Iterator[str]:
    """Every module a file imports, top level or inside functions / TYPE_CHECKING blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def top(module: str) -> str:
    return module.split(".")[0]


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def violations(package: str, allowed_in: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{rel(path)} imports {module}"
        for path in python_files(package)
        if not rel(path).startswith(allowed_in)
        for module in imported_modules(path)
        if top(module) in forbidden
    ]


def test_the_scan_finds_files_and_imports() -> None:
    # Guards against a scan that silently checks nothing.
    slack_files = [p for p in python_files("bot") if rel(p).startswith("bot/platforms/slack/")]
    assert slack_files
    assert any(top(m) == "slack_bolt" for p in slack_files for m in imported_modules(p))


@pytest.mark.parametrize("package", PACKAGES)
def test_only_bot_slack_imports_the_slack_sdks(package: str) -> None:
    assert violations(package, "bot/platforms/slack/", ("slack_bolt", "slack_sdk")) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_only_bot_teams_imports_botbuilder(package: str) -> None:
    assert violations(package, "bot/platforms/teams/", ("botbuilder", "botframework")) == []


@pytest.mark.parametrize("package", ["knowledge", "routines"])
def test_domain_packages_never_import_bot(package: str) -> None:
    assert violations(package, "<nowhere>", ("bot",)) == []


def test_knowledge_and_routines_are_independent() -> None:
    assert violations("knowledge", "<nowhere>", ("routines",)) == []
    assert violations("routines", "<nowhere>", ("knowledge",)) == []


@pytest.mark.parametrize("package", ["knowledge", "routines"])
def test_domain_packages_import_no_web_or_chat_framework(package: str) -> None:
    assert violations(package, "<nowhere>", FRAMEWORKS) == []


def test_the_neutral_message_model_is_stdlib_only() -> None:
    modules = {top(m) for m in imported_modules(REPO / "bot" / "chat" / "messages.py")}

    assert modules <= set(sys.stdlib_module_names) | {"__future__"}


def test_the_conversation_knows_no_platform() -> None:
    modules = set(imported_modules(REPO / "bot" / "chat" / "conversation.py"))

    assert not {m for m in modules if top(m) in FRAMEWORKS}
    assert not {m for m in modules if m.startswith(("bot.platforms", "bot.web"))}
