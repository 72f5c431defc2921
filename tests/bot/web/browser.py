"""A real headless Chromium (Debian's `chromium`) and a bot served from a thread, for the
browser tests (not a test module).

The bot runs its real aiohttp server on its own event loop in a background thread, so
the tests can drive Playwright's synchronous API; start-up and shut-down wait on events,
never on sleeps. Chromium starts with an empty user-data-dir and everything that would
reach out to the network switched off (this machine has none).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.app import Services, build_services
from bot.config import Settings
from knowledge import KnowledgeBase
from tests.bot.web.scenario import NOW
from tests.conftest import REPO, require_or_skip

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("GDPRBOT_SCREENSHOTS", REPO / "screenshots"))


def chromium_path() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        require_or_skip(
            "Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)"
        )
    assert found is not None
    return found


class ThreadedBot:
    """`build_services` + `start_server` on a private event loop in a daemon thread."""

    def __init__(self, settings: Settings, knowledge: KnowledgeBase) -> None:
        self._settings = settings
        self._knowledge = knowledge
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="web-bot", daemon=True)
        self._runner: Any = None
        self.services: Services | None = None
        self.url = ""

    def start(self) -> ThreadedBot:
        self._thread.start()
        started: Future[None] = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        started.result(timeout=120)  # returns as soon as the server listens
        return self

    async def _start(self) -> None:
        from bot.web import start_server

        services = build_services(self._settings, knowledge_base=self._knowledge)
        services.clock = lambda: NOW
        self._runner, port = await start_server(services, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{port}"
        assert services.web is not None
        services.web.config = replace(services.web.config, public_url=self.url)
        self.services = services

    def call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a plain function on the bot's loop thread and wait for its result."""

        async def run() -> Any:
            return function(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=60)

    def stop(self) -> None:
        async def stop() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            if self.services is not None:
                await self.services.close()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=60)
        self._loop.close()


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """A persistent Chromium context on an empty profile (Playwright, Debian's binary)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
            locale="sv-SE",
        )
        context.set_default_timeout(30_000)  # generous: CI shares two cores
        try:
            yield context
        finally:
            context.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
