"""Fixtures for the web pages: the lived-through year (scenario.py) copied per test, a bot
serving it with its clock pinned at NOW, and a signed-in HTTP client."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import Services, build_services
from bot.config import Settings
from bot.web.room import WebRoom
from bot.web.signin import SignInLinks
from knowledge import KnowledgeBase
from tests.bot.web.scenario import NOW, OFFICER, Scenario, build

WEB_SECRET = "test-web-secret-" + "0123456789abcdef" * 2
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """Built once per test process (about five seconds); tests get a copy of its database."""
    return build(tmp_path_factory.mktemp("web-scenario"))


def scenario_settings(scenario: Scenario, tmp_path: Path, **changes: Any) -> Settings:
    copy = tmp_path / "web.db"
    shutil.copy(scenario.database_url.removeprefix("sqlite:///"), copy)
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{copy}",
        "routines_files": [str(scenario.catalog_path)],
        "compliance_officers": [OFFICER],
        "web_secret": WEB_SECRET,
        "host": "127.0.0.1",
        "port": 0,
        "console": "off",
        "teams_enabled": False,
        "scheduler_enabled": False,
        "slack_bot_token": "",
        "default_language": "sv",
        "embeddings": "off",
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def web_settings(scenario: Scenario, tmp_path: Path) -> Settings:
    return scenario_settings(scenario, tmp_path)


@dataclass
class WebBot:
    services: Services
    url: str
    room: WebRoom

    def link_for(self, user_id: str, *, when: Any = None) -> str:
        """A sign-in link for a Slack user, issued at `when` (default NOW), as the CLI does."""
        identity = self.room.store.identify("slack", user_id, NOW)
        assert identity is not None
        issued = SignInLinks.of(self.room).issue(identity, via="cli", now=when or NOW)
        assert issued is not None, f"{user_id} may not open the pages"
        return issued.url


@pytest.fixture
async def start_web_bot(
    test_knowledge: KnowledgeBase,
) -> AsyncIterator[Callable[[Settings], Any]]:
    from bot.web import start_server

    started: list[tuple[Services, Any]] = []

    async def start(settings: Settings) -> WebBot:
        services = build_services(settings, knowledge_base=test_knowledge)
        services.clock = lambda: NOW
        runner, port = await start_server(services, "127.0.0.1", 0)
        started.append((services, runner))
        url = f"http://127.0.0.1:{port}"
        assert services.web is not None
        services.web.config = replace(services.web.config, public_url=url)
        return WebBot(services, url, services.web)

    yield start
    for services, runner in reversed(started):
        await runner.cleanup()
        await services.close()


@pytest.fixture
async def web_bot(start_web_bot: Callable[[Settings], Any], web_settings: Settings) -> WebBot:
    bot: WebBot = await start_web_bot(web_settings)
    return bot


@pytest.fixture
async def browser_like() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client that keeps cookies for 127.0.0.1 and does not follow redirects."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield http


async def sign_in(http: aiohttp.ClientSession, bot: WebBot, user_id: str) -> None:
    """Open a fresh link, press "Sign in"; the client then holds the session cookie."""
    link = bot.link_for(user_id)
    async with http.get(link) as page:
        assert page.status == 200, await page.text()
        html = await page.text()
    token = link.rsplit("/", 1)[1]
    async with http.post(
        f"{bot.url}/signin",
        data={"csrf": csrf_of(html), "token": token},
        allow_redirects=False,
    ) as done:
        assert done.status == 303, await done.text()


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)
