"""The pages while the database is away: a page that says so and when to try again (503,
with the pages' security headers), not aiohttp's bare 500 and a traceback per request."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from storage.engines import make_engine
from tests.bot.web.conftest import WebBot, sign_in
from tests.bot.web.scenario import OFFICER

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/none"
PAGES = ["/", "/routines", "/teams", "/occurrences?outcome=late", "/occurrences/1", "/ledger/1",
         "/insights", "/downloads"]  # fmt: skip


@pytest.fixture
async def signed_in_then_down(web_bot: WebBot, browser_like: aiohttp.ClientSession) -> WebBot:
    await sign_in(browser_like, web_bot, OFFICER)
    web_bot.services.sessions.configure(bind=make_engine(UNREACHABLE))
    return web_bot


@pytest.mark.parametrize("path", PAGES)
async def test_a_page_says_try_again_while_the_database_is_away(
    signed_in_then_down: WebBot, browser_like: aiohttp.ClientSession, path: str
) -> None:
    async with browser_like.get(f"{signed_in_then_down.url}{path}") as response:
        html = await response.text()

    assert response.status == 503
    assert "Försök igen om en stund" in html
    assert response.headers["Retry-After"].isdigit()
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_the_log_says_it_in_one_line_without_a_traceback(
    signed_in_then_down: WebBot,
    browser_like: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        async with browser_like.get(f"{signed_in_then_down.url}/") as response:
            assert response.status == 503

    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in failures] == ["database unavailable; answered 503"]
    assert all(r.exc_info is None for r in failures)
