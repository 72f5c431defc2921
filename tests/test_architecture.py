"""The import rules of docs/architecture.md, checked by scanning every import.

1. `storage` imports no other project package; `knowledge` nothing of the project outside
   itself; `routines` only `storage` (and itself).
2. Platform adapters (bot/platforms/*) import only the chat layer and routine ports: no
   sqlalchemy, storage, records or settings; Slack and Teams never import each other;
   only the Slack adapter imports slack_bolt/slack_sdk, only the Teams one botbuilder.
3. Features call services: only records, privacy, routines, storage and the composition
   root / CLI touch sqlalchemy or storage; features import routines only through
   `routines.service` and `routines.ports`.
4. One composition root (bot/app.py) wires everything and alone constructs a scheduler;
   nothing imports `tests`.
5. No module over 400 lines (tests and migrations aside) without a comment at its top
   saying why.

Each failure message says how to fix the violation.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PROJECT = ("bot", "knowledge", "routines", "storage", "clients", "testing", "migrations", "tests")
SHIPPED = ("bot", "knowledge", "routines", "storage", "clients")  # what the wheel runs
FRAMEWORKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp")
SCHEDULERS = frozenset(
    {"AsyncIOScheduler", "BackgroundScheduler", "BlockingScheduler", "GeventScheduler"}
)
MAX_LINES = 400
LONG_ON_PURPOSE = re.compile(r"^#.*\b400 lines\b", re.IGNORECASE)


def python_files(package: str) -> list[Path]:
    root = REPO / package
    found = root.rglob("*.py") if root.is_dir() else [root]
    return sorted(p for p in found if "__pycache__" not in p.parts)


def imported_modules(path: Path) -> Iterator[str]:
    """Every module a file imports, top level or inside functions / TYPE_CHECKING blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:  # `from bot import metrics` imports bot.metrics
                yield f"{node.module}.{alias.name}"


def top(module: str) -> str:
    return module.split(".")[0]


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def within(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def imports_of(package: str) -> Iterator[tuple[str, str]]:
    """(file, module) for every import in a package (or one module's file)."""
    for path in python_files(package):
        for module in imported_modules(path):
            yield rel(path), module


def violations(
    package: str, forbidden: tuple[str, ...], *, allowed: tuple[str, ...] = ()
) -> list[str]:
    return sorted(
        f"{path} imports {module}"
        for path, module in imports_of(package)
        if within(module, *forbidden) and not within(module, *allowed)
    )


def test_the_scan_finds_files_and_imports() -> None:
    # Guards against a scan that silently checks nothing.
    slack = [p for p in python_files("bot/platforms/slack")]
    assert len(slack) >= 4
    assert any(top(m) == "slack_bolt" for p in slack for m in imported_modules(p))
    assert ("bot/app.py", "bot.chat.pipeline") in set(imports_of("bot/app.py"))
    assert violations("bot/app.py", ("storage",))  # the root does touch storage


# --- rule 1: storage <- routines <- bot; knowledge stands alone ------------------------------


def test_storage_imports_no_other_project_package() -> None:
    found = violations("storage", PROJECT, allowed=("storage",))
    assert found == [], (
        "storage/ is the bottom layer: move the code that needs another package up into "
        "that package, or pass what storage needs in as an argument"
    )


def test_knowledge_imports_nothing_of_the_project_outside_itself() -> None:
    found = violations("knowledge", PROJECT, allowed=("knowledge",))
    assert found == [], (
        "knowledge/ is articles in, answers out: let the bot (bot/app.py) combine it with "
        "anything else"
    )


def test_routines_import_only_storage() -> None:
    found = violations("routines", PROJECT, allowed=("routines", "storage"))
    assert found == [], (
        "routines/ talks to chat through routines/ports.py: define a port there and let "
        "bot/ implement it; never import bot/ or knowledge/ from routines/"
    )


# --- rule 2: platform adapters ---------------------------------------------------------------

PLATFORM_ALLOWED = ("bot.chat", "bot.platforms.front_end", "routines.ports")


@pytest.mark.parametrize("platform", ["slack", "teams", "console"])
def test_a_platform_imports_only_the_chat_layer_and_routine_ports(platform: str) -> None:
    own = f"bot.platforms.{platform}"
    found = violations(
        f"bot/platforms/{platform}", PROJECT, allowed=(*PLATFORM_ALLOWED, own)
    ) + violations(f"bot/platforms/{platform}", ("sqlalchemy",))
    assert found == [], (
        "a platform adapter gets what it needs from the FrontEndContext (pipeline, stores "
        "as protocols in bot/chat/ports.py) and its config value, built by bot/app.py from "
        "Settings; it never opens a session, imports records or storage, or reads Settings"
    )


def test_the_front_end_protocol_imports_only_the_chat_layer_and_routine_ports() -> None:
    found = violations("bot/platforms/front_end.py", PROJECT, allowed=PLATFORM_ALLOWED)
    assert found == [], "bot/platforms/front_end.py is the shared contract: keep it thin"


@pytest.mark.parametrize(("package", "sdks"), [
    ("bot/platforms/slack", ("slack_bolt", "slack_sdk")),
    ("bot/platforms/teams", ("botbuilder", "botframework")),
])  # fmt: skip
def test_only_its_own_adapter_imports_a_platform_sdk(package: str, sdks: tuple[str, ...]) -> None:
    found = [
        f"{path} imports {module}"
        for scanned in SHIPPED
        for path, module in imports_of(scanned)
        if top(module) in sdks and not path.startswith(package + "/")
    ]
    assert found == [], f"only {package}/ may import {', '.join(sdks)}: move that code there"


def test_slack_and_teams_never_import_each_other() -> None:
    found = violations("bot/platforms/slack", ("bot.platforms.teams",)) + violations(
        "bot/platforms/teams", ("bot.platforms.slack",)
    )
    assert found == [], "what two platforms share belongs in bot/chat (e.g. the pipeline)"


# --- rule 3: features call services; storage only where it belongs --------------------------

# bot/config.py takes only the default time zone, which routines shares (storage/clock.py).
STORAGE_USERS = ("bot/records/", "bot/privacy/", "bot/cli/", "bot/app.py", "bot/config.py")


def test_only_records_privacy_routines_and_the_root_touch_sqlalchemy_or_storage() -> None:
    found = [
        f"{path} imports {module}"
        for path, module in imports_of("bot")
        if within(module, "sqlalchemy", "storage") and not path.startswith(STORAGE_USERS)
    ]
    assert found == [], (
        "chat, features and platforms get data through a store: add a narrow method to a "
        "bot/records store (or a routines service) and hand it in from bot/app.py"
    )


def test_features_use_routines_only_through_its_service_and_ports() -> None:
    found = violations(
        "bot/features", ("routines", "bot.records", "bot.privacy", "bot.app", "bot.config")
    )
    found = [f for f in found if not f.endswith(("routines.service", "routines.ports"))]
    found = [f for f in found if not re.search(r"routines\.(service|ports)\.\w+$", f)]
    assert found == [], (
        "a feature calls routines.service (re-export the value you need there) and receives "
        "stores and settings values from bot/app.py; it never reads tables or appends to "
        "the ledger itself"
    )


def test_the_web_pages_read_data_only_through_services() -> None:
    found = violations("bot/web", ("sqlalchemy", "storage", "routines"))
    found = [f for f in found if not re.search(r"routines\.(service|ports)(\.\w+)?$", f)]
    assert found == [], (
        "bot/web reads through routines.service (the read model EvidenceViews) and the "
        "bot/records stores the composition root hands it; no SQL in a page"
    )


def test_the_chat_layer_knows_no_feature_platform_or_storage() -> None:
    found = violations(
        "bot/chat",
        ("bot.features", "bot.platforms", "bot.records", "bot.privacy", "bot.app", "bot.web",
         "bot.config", "storage", "sqlalchemy", *FRAMEWORKS),
    )  # fmt: skip
    assert found == [], "bot/chat is what every platform shares: depend on it, not from it"


def test_the_neutral_message_model_is_stdlib_only() -> None:
    modules = {top(m) for m in imported_modules(REPO / "bot" / "chat" / "messages.py")}
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}, (
        "bot/chat/messages.py is the neutral model every platform translates to: stdlib only"
    )


@pytest.mark.parametrize("package", ["knowledge", "routines", "storage"])
def test_domain_packages_import_no_web_or_chat_framework(package: str) -> None:
    assert violations(package, FRAMEWORKS) == [], "HTTP and chat belong in bot/platforms"


# --- rule 4: one composition root, one scheduler; nothing imports tests ----------------------


def scheduler_constructions(path: Path) -> Iterator[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in SCHEDULERS:
                yield node.lineno


def test_only_the_composition_root_constructs_a_scheduler() -> None:
    found = [
        f"{rel(path)}:{line}"
        for package in (*SHIPPED, "testing", "bench")
        for path in python_files(package)
        for line in scheduler_constructions(path)
        if rel(path) != "bot/app.py"
    ]
    assert found == [], (
        "one scheduler per process: give your component `add_jobs(scheduler)` and call it "
        "from build_services in bot/app.py with services.scheduler"
    )
    assert list(scheduler_constructions(REPO / "bot" / "app.py")), "bot/app.py builds it"


def test_nothing_imports_tests() -> None:
    found = [
        f"{path} imports {module}"
        for package in (*SHIPPED, "testing", "bench", "migrations")
        for path, module in imports_of(package)
        if top(module) == "tests"
    ]
    assert found == [], "code that tests and bench/ share lives in testing/"


# --- rule 5: small modules ------------------------------------------------------------------


def test_no_module_is_over_400_lines_without_saying_why() -> None:
    found = []
    for package in (*SHIPPED, "testing", "bench"):
        for path in python_files(package):
            lines = path.read_text(encoding="utf-8").splitlines()
            said_why = any(LONG_ON_PURPOSE.match(line) for line in lines[:5])
            if len(lines) > MAX_LINES and not said_why:
                found.append(f"{rel(path)}: {len(lines)} lines")
    assert found == [], (
        "split the module by concept (one noun each), or start it with a comment "
        "'# Over 400 lines because ...' saying why it must stay whole"
    )
