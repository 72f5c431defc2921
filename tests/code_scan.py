"""What the bot's code does, read from its source: Slack Web API calls, HTTP routes, chat words.

Manifests and deployment recipes are checked against these facts, so they are found by
scanning every Python file under `bot/` (an AST walk), never by importing fixed module
paths: files may move between folders and the checks still hold.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

REPO = Path(__file__).resolve().parent.parent
BOT = REPO / "bot"

# aiohttp's router methods: `app.router.add_get("/readyz", handler)`.
_ROUTE_METHODS = frozenset(
    {"add_get", "add_post", "add_put", "add_patch", "add_delete", "add_route"}
)
# Module-level constants that hold a route: `MESSAGES_PATH = "/api/messages"`.
_ROUTE_CONSTANT = re.compile(r"(^|_)(PATH|ROUTE)$")
_SDK_API_CALL = re.compile(r"""api_call\(\s*["']([\w.]+)["']""")
_SDK_SELF_CALL = re.compile(r"\bself\.([a-z]+_[A-Za-z0-9_]+)\(")


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


@cache
def _parsed(root: Path = BOT) -> tuple[tuple[Path, ast.Module], ...]:
    files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    return tuple((p, ast.parse(p.read_text(encoding="utf-8"), filename=str(p))) for p in files)


def _calls(root: Path = BOT) -> Iterator[tuple[Path, ast.Call]]:
    for path, tree in _parsed(root):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                yield path, node


# --- Slack Web API ------------------------------------------------------------------------


@cache
def _client_methods() -> frozenset[str]:
    """The Web API wrappers AsyncWebClient defines itself (`chat_postMessage`, ...)."""
    return frozenset(
        name
        for name, _ in inspect.getmembers(AsyncWebClient, inspect.iscoroutinefunction)
        if "_" in name and not name.startswith("_") and name in AsyncWebClient.__dict__
    )


@cache
def sdk_method_to_api(name: str) -> frozenset[str]:
    """The Web API methods one client wrapper calls, read from the SDK's own source.

    Most wrappers make one `api_call("chat.postMessage", ...)`; a few compose others
    (`files_upload_v2` calls `files_getUploadURLExternal` and `files_completeUploadExternal`).
    """
    source = inspect.getsource(getattr(AsyncWebClient, name))
    methods = set(_SDK_API_CALL.findall(source))
    for inner in _SDK_SELF_CALL.findall(source):
        if inner != name and inner in _client_methods():
            methods |= sdk_method_to_api(inner)
    return frozenset(methods)


def slack_api_calls(root: Path = BOT) -> dict[str, set[str]]:
    """Web API method (`chat.postMessage`) -> the files under `root` that call it.

    Found: `<anything>.chat_postMessage(...)` (any AsyncWebClient wrapper), `api_call("x.y")`
    and bolt's `say(...)` (chat.postMessage).
    """
    found: dict[str, set[str]] = defaultdict(set)
    for path, call in _calls(root):
        func = call.func
        methods: frozenset[str] = frozenset()
        if isinstance(func, ast.Attribute) and func.attr in _client_methods():
            methods = sdk_method_to_api(func.attr)
        elif isinstance(func, ast.Attribute) and func.attr == "api_call" and call.args:
            first = call.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                methods = frozenset({first.value})
        elif isinstance(func, ast.Name) and func.id == "say":
            methods = frozenset({"chat.postMessage"})
        for method in methods:
            found[method].add(rel(path))
    return dict(found)


def _first_string_arguments(attribute: str, root: Path = BOT) -> set[str]:
    """String literals passed first to any `<something>.<attribute>(...)` call."""
    return {
        call.args[0].value
        for _, call in _calls(root)
        if isinstance(call.func, ast.Attribute)
        and call.func.attr == attribute
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    }


def slack_event_types(root: Path = BOT) -> set[str]:
    """Event types bolt listeners are registered for: `@app.event("app_mention")`."""
    return _first_string_arguments("event", root)


def slack_slash_commands(root: Path = BOT) -> set[str]:
    """Slash commands bolt listens to: `@app.command("/gdpr")`."""
    return {c for c in _first_string_arguments("command", root) if c.startswith("/")}


# --- HTTP routes ---------------------------------------------------------------------------


def http_routes(root: Path = BOT) -> set[str]:
    """Every path the bot's aiohttp server serves (literal or a `..._PATH`/`ROUTE` constant)."""
    constants: dict[str, str] = {}
    for _, tree in _parsed(root):
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            value = getattr(node, "value", None)
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                continue
            for target in targets:
                if isinstance(target, ast.Name) and _ROUTE_CONSTANT.search(target.id):
                    constants[target.id] = value.value
    routes: set[str] = set()
    for _, call in _calls(root):
        if not (isinstance(call.func, ast.Attribute) and call.func.attr in _ROUTE_METHODS):
            continue
        args = call.args[1:] if call.func.attr == "add_route" else call.args
        if not args:
            continue
        path = args[0]
        if isinstance(path, ast.Constant) and isinstance(path.value, str):
            routes.add(path.value)
        elif isinstance(path, ast.Name) and path.id in constants:
            routes.add(constants[path.id])
    return {r for r in routes if r.startswith("/")}


def serves(path: str, routes: set[str]) -> bool:
    """True when `path` (no placeholders) is one of `routes` (`/reports/{token}` style)."""
    for route in routes:
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(route))
        if re.fullmatch(pattern, path):
            return True
    return False


# --- chat command words --------------------------------------------------------------------


def chat_commands() -> dict[str, set[str]]:
    """Command name -> every word that starts it, from the one command table
    (`bot.chat.commands.COMMANDS`); console-only commands (quit) are not chat commands."""
    from bot.chat.commands import COMMANDS

    return {
        command.name: {word.lower() for word in command.words}
        for command in COMMANDS
        if not command.platforms or command.platforms - {"console"}
    }
