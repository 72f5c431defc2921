"""The pages over real HTTP (no browser): headers, sessions, CSRF, languages, who sees what."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import Settings, SettingsError
from bot.web.room import Panel, PanelFigure
from knowledge import KnowledgeBase
from tests.bot.web.conftest import WebBot, csrf_of, scenario_settings, sign_in
from tests.bot.web.scenario import NOW, OFFICER, Scenario

LEAD_OPS = "U0LEADOPS"
LEAD_SUP = "U0LEADSUP"


async def get(http: aiohttp.ClientSession, url: str, **kw: Any) -> tuple[int, str, Any]:
    async with http.get(url, allow_redirects=False, **kw) as response:
        return response.status, await response.text(), response.headers


def last_entry(bot: WebBot) -> dict[str, Any]:
    path = bot.services.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        (payload,) = db.execute(
            "SELECT payload FROM ledger_entries ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    return dict(json.loads(payload))


# --- headers ---------------------------------------------------------------------------


async def test_pages_carry_the_security_headers(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    _, _, headers = await get(browser_like, f"{web_bot.url}/")

    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert re.fullmatch(r"app;dur=\d+\.\d", headers["Server-Timing"])


async def test_templates_have_no_inline_script_or_style() -> None:
    templates = Path(__file__).parents[3] / "bot" / "web" / "templates"
    for template in templates.glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        assert "<style" not in text and " style=" not in text, template.name
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert not re.search(r"\son[a-z]+=", text), template.name  # no onclick= handlers


# --- sessions --------------------------------------------------------------------------


async def test_nobody_signed_in_sees_how_to_sign_in_and_no_figures(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    status, html, _ = await get(browser_like, f"{web_bot.url}/routines")

    assert status == 401
    assert "`webb`" in html
    assert "Gallring" not in html


async def test_the_session_cookie_is_httponly_lax_and_lasts_eight_hours(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    link = web_bot.link_for(OFFICER)
    _, html, _ = await get(browser_like, link)
    async with browser_like.post(
        f"{web_bot.url}/signin",
        data={"csrf": csrf_of(html), "token": link.rsplit("/", 1)[1]},
        allow_redirects=False,
    ) as response:
        cookie = next(c for c in response.headers.getall("Set-Cookie") if "session=" in c)

    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # http here; see the https test below


async def test_behind_https_cookies_are_secure_and_host_only(
    start_web_bot: Callable[[Settings], Any], scenario: Scenario, tmp_path: Path
) -> None:
    settings = scenario_settings(scenario, tmp_path, public_url="https://bot.example.com")
    bot: WebBot = await start_web_bot(settings)
    bot.room.config = type(bot.room.config)(public_url="https://bot.example.com")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        link = bot.link_for(OFFICER).replace("https://bot.example.com", bot.url)
        async with http.get(link) as page:
            cookie = page.headers.getone("Set-Cookie")

    assert cookie.startswith("__Host-gdprbot_csrf=")
    assert "Secure" in cookie and "Path=/" in cookie


async def test_signing_in_is_a_ledger_entry_by_person_key(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    await sign_in(browser_like, web_bot, LEAD_OPS)

    entry = last_entry(web_bot)
    assert entry["event"] == "web.signed_in"
    assert entry["data"]["via"] == "cli" and entry["data"]["role"] == "lead"
    assert re.fullmatch(r"[0-9a-f]{32}", entry["data"]["person_key"])


async def test_a_session_ends_after_eight_hours(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    await sign_in(browser_like, web_bot, OFFICER)
    web_bot.services.clock = lambda: NOW + timedelta(hours=8, minutes=1)

    status, _, _ = await get(browser_like, f"{web_bot.url}/teams")

    assert status == 401


async def test_a_forged_cookie_or_link_is_nobody(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    link = web_bot.link_for(OFFICER)
    forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")

    status, _, _ = await get(browser_like, forged)
    assert status == 404
    status, _, _ = await get(
        browser_like, f"{web_bot.url}/", headers={"Cookie": "gdprbot_session=abc.def"}
    )
    assert status == 401


# --- CSRF ------------------------------------------------------------------------------


async def test_signing_in_without_the_forms_token_is_refused_and_spends_nothing(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    link = web_bot.link_for(OFFICER)
    await get(browser_like, link)

    async with browser_like.post(
        f"{web_bot.url}/signin", data={"token": link.rsplit("/", 1)[1], "csrf": "x"}
    ) as refused:
        assert refused.status == 403
    status, _, _ = await get(browser_like, link)
    assert status == 200  # still usable by its owner


async def test_a_download_posted_from_another_site_is_refused(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    await sign_in(browser_like, web_bot, OFFICER)
    _, html, _ = await get(browser_like, f"{web_bot.url}/downloads")

    async with browser_like.post(
        f"{web_bot.url}/downloads",
        data={"csrf": csrf_of(html), "period": "2027-Q1", "format": "csv"},
        headers={"Origin": "https://evil.example"},
    ) as response:
        assert response.status == 403
    assert last_entry(web_bot)["event"] == "web.signed_in"  # nothing exported


async def test_signing_out_needs_the_token_too(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    await sign_in(browser_like, web_bot, OFFICER)

    async with browser_like.post(f"{web_bot.url}/signout", data={}) as response:
        assert response.status == 403
    status, _, _ = await get(browser_like, f"{web_bot.url}/")
    assert status == 200


# --- languages -------------------------------------------------------------------------


async def test_the_browsers_language_decides_until_one_is_chosen(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    await sign_in(browser_like, web_bot, OFFICER)
    english = {"Accept-Language": "en-GB,en;q=0.9,sv;q=0.5"}

    _, html, _ = await get(browser_like, f"{web_bot.url}/", headers=english)
    assert 'lang="en"' in html and "Sign out" in html
    _, html, _ = await get(browser_like, f"{web_bot.url}/?lang=sv", headers=english)
    assert 'lang="sv"' in html and "Logga ut" in html
    _, html, _ = await get(browser_like, f"{web_bot.url}/teams", headers=english)
    assert 'lang="sv"' in html  # the choice is remembered


# --- who sees what ---------------------------------------------------------------------


async def test_a_team_lead_sees_only_their_teams(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    await sign_in(browser_like, web_bot, LEAD_OPS)

    _, html, _ = await get(browser_like, f"{web_bot.url}/teams")
    assert "C0OPS" in html and "C0SUP" not in html
    _, html, _ = await get(browser_like, f"{web_bot.url}/routines")
    assert "Behörighetsgenomgång" in html  # access-review: same team, led by someone else
    assert "Kontroll av registerutdrag" not in html


@pytest.mark.parametrize(
    "path", ["/insights", "/downloads", "/routines?team=C0OPS", "/occurrences?team=C0OPS"]
)
async def test_a_team_lead_is_refused_officer_pages_and_other_teams(
    web_bot: WebBot, browser_like: aiohttp.ClientSession, path: str
) -> None:
    await sign_in(browser_like, web_bot, LEAD_SUP)

    status, html, _ = await get(browser_like, f"{web_bot.url}{path}")

    assert status == 403
    assert "Ingen åtkomst" in html


async def test_a_team_lead_opens_no_ledger_entry_of_another_team(
    web_bot: WebBot, browser_like: aiohttp.ClientSession, scenario: Scenario
) -> None:
    await sign_in(browser_like, web_bot, LEAD_SUP)
    theirs = scenario.of("dsr-check")[0].occurrence_id
    other = scenario.of("retention-review")[0].occurrence_id

    _, html, _ = await get(browser_like, f"{web_bot.url}/occurrences/{theirs}")
    seq = re.search(r'/ledger/(\d+)"', html)
    assert seq is not None
    status, _, _ = await get(browser_like, f"{web_bot.url}/ledger/{seq.group(1)}")
    assert status == 200
    path = web_bot.services.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        (foreign,) = db.execute(
            "SELECT min(seq) FROM ledger_entries WHERE occurrence_id = ?", (other,)
        ).fetchone()
    status, _, _ = await get(browser_like, f"{web_bot.url}/ledger/{foreign}")
    assert status == 403


@pytest.mark.parametrize("path", ["/occurrences/999999", "/ledger/999999", "/occurrences/x1"])
async def test_what_does_not_exist_is_a_404(
    web_bot: WebBot, browser_like: aiohttp.ClientSession, path: str
) -> None:
    await sign_in(browser_like, web_bot, OFFICER)

    status, _, _ = await get(browser_like, f"{web_bot.url}{path}")

    assert status == 404


async def test_an_unreadable_period_is_said_and_the_quarter_shown(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    await sign_in(browser_like, web_bot, OFFICER)

    status, html, _ = await get(browser_like, f"{web_bot.url}/routines?period=2027-Q7")

    assert status == 400
    assert "2027-Q7" in html and "2027-Q2" in html


async def test_an_erased_person_is_signed_out(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    from bot.privacy.erase import erase_person
    from storage.sessions import transaction

    await sign_in(browser_like, web_bot, LEAD_OPS)
    with transaction(web_bot.services.sessions) as session:
        erase_person(session, LEAD_OPS, now=NOW)

    status, _, _ = await get(browser_like, f"{web_bot.url}/")

    assert status == 401


# --- the overview's extension point ----------------------------------------------------


class RequestsPanel:
    def panel(self, access: Any, lang: str, now: Any) -> Panel | None:
        if not access.officer:
            return None
        return Panel("Registerutdrag", (PanelFigure("öppna", "3", "/requests"),))


class BrokenPanel:
    def panel(self, access: Any, lang: str, now: Any) -> Panel | None:
        raise RuntimeError("the desk is down")


async def test_services_add_headline_panels_to_the_overview(
    web_bot: WebBot, browser_like: aiohttp.ClientSession
) -> None:
    web_bot.room.add_panel(BrokenPanel())
    web_bot.room.add_panel(RequestsPanel())
    await sign_in(browser_like, web_bot, OFFICER)

    status, html, _ = await get(browser_like, f"{web_bot.url}/")

    assert status == 200
    assert "Registerutdrag" in html and 'href="/requests"' in html


# --- switched off ----------------------------------------------------------------------


async def test_production_without_a_secret_serves_no_pages(
    scenario: Scenario,
    tmp_path: Path,
    test_knowledge: KnowledgeBase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.app import build_services

    settings = scenario_settings(
        scenario, tmp_path, web_secret="", public_url="https://bot.example.com"
    )
    services = build_services(settings, knowledge_base=test_knowledge)
    try:
        assert services.web is None
        assert "GDPRBOT_WEB_SECRET" in caplog.text
    finally:
        await services.close()


def test_a_short_secret_stops_the_start(
    scenario: Scenario, tmp_path: Path, test_knowledge: KnowledgeBase
) -> None:
    from bot.app import build_services

    settings = scenario_settings(scenario, tmp_path, web_secret="too-short")
    with pytest.raises(SettingsError, match="GDPRBOT_WEB_SECRET must be at least 32"):
        build_services(settings, knowledge_base=test_knowledge)
