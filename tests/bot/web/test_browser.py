"""The web pages in a real headless Chromium: sign in through a link, the overview's numbers
for the lived-through year, drill-down to an occurrence and its ledger entry, a CSV
download, a team lead refused another team's routine, expired and reused links.

Screenshots of the overview and an occurrence page go to `screenshots/` (git-ignored;
GDPRBOT_SCREENSHOTS moves them). Every wait is on a page event (navigation, a download,
an element), never a sleep.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from knowledge import KnowledgeBase
from tests.bot.web.browser import ThreadedBot, chromium, screenshot
from tests.bot.web.conftest import scenario_settings
from tests.bot.web.scenario import NOW, OFFICER, Scenario

pytestmark = [pytest.mark.xdist_group("chromium"), pytest.mark.slow]

LEAD_SUP = "U0LEADSUP"  # leads dsr-check, team C0SUP only
Q1 = (date(2027, 1, 1), date(2027, 3, 31))
Q2 = (date(2027, 4, 1), date(2027, 6, 30))  # NOW's quarter


@pytest.fixture(scope="module")
def served(
    scenario: Scenario, test_knowledge: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThreadedBot]:
    settings = scenario_settings(scenario, tmp_path_factory.mktemp("browser-bot"))
    bot = ThreadedBot(settings, test_knowledge).start()
    yield bot
    bot.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab with no cookies. Console errors (a CSP violation, a script error) and a
    stylesheet, script or image that fails to load fail the test; a page answered with a
    4xx on purpose (refused, expired link) does not."""
    browser.clear_cookies()
    tab = browser.new_page()
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response: Any) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            errors.append(f"{response.status} {response.url}")

    tab.on("console", on_console)
    tab.on("response", on_response)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    tab.close()
    assert errors == [], errors


def link_for(bot: ThreadedBot, user_id: str, *, late_by: timedelta | None = None) -> str:
    from bot.web.signin import SignInLinks

    room = bot.services.web if bot.services else None
    assert room is not None
    identity = room.store.identify("slack", user_id, NOW)
    assert identity is not None
    when = NOW - late_by if late_by else NOW
    issued = bot.call(SignInLinks.of(room).issue, identity, via="cli", now=when)
    assert issued is not None
    return str(issued.url)


def sign_in(page: Any, bot: ThreadedBot, user_id: str) -> str:
    link = link_for(bot, user_id)
    page.goto(link)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    page.get_by_text("Inloggad som").wait_for()
    return link


def pct(on_time: int, applicable: int) -> str:
    return f"{on_time / applicable:.0%}".replace("%", " %")


# --- signing in --------------------------------------------------------------------------


def test_an_officer_signs_in_through_a_link_and_sees_the_years_numbers(
    page: Any, served: ThreadedBot, scenario: Scenario
) -> None:
    sign_in(page, served, OFFICER)

    assert page.url == f"{served.url}/"
    current = scenario.counts(
        NOW.date().replace(month=4, day=1), NOW.date().replace(month=6, day=30)
    )
    previous = scenario.counts(
        NOW.date().replace(month=1, day=1), NOW.date().replace(month=3, day=31)
    )
    for outcome in ("on_time", "late", "missing", "not_applicable", "pending"):
        shown = page.locator(f'li[data-outcome="{outcome}"] .count').inner_text()
        assert int(shown) == current[outcome], outcome
    applicable = current["on_time"] + current["late"] + current["missing"]
    assert page.locator("#rate-1").inner_text() == pct(current["on_time"], applicable)
    previous_applicable = previous["on_time"] + previous["late"] + previous["missing"]
    assert page.locator("#rate-2").inner_text() == pct(previous["on_time"], previous_applicable)
    assert int(page.locator("#overdue-now").inner_text()) == len(scenario.overdue())
    assert page.locator("svg.chart rect.seg").count() > 0
    assert "Logga ut" in page.get_by_role("button", name="Logga ut").inner_text()
    screenshot(page, "overview")


def test_an_expired_link_is_refused(page: Any, served: ThreadedBot) -> None:
    link = link_for(served, OFFICER, late_by=timedelta(minutes=11))

    response = page.goto(link)

    assert response.status == 410
    assert page.get_by_role("heading", name="Länken har gått ut").is_visible()


def test_a_used_link_is_refused(page: Any, served: ThreadedBot) -> None:
    link = sign_in(page, served, OFFICER)
    page.context.clear_cookies()

    response = page.goto(link)

    assert response.status == 410
    assert page.get_by_role("heading", name="Länken är redan använd").is_visible()


def test_signing_out_ends_the_session(page: Any, served: ThreadedBot) -> None:
    sign_in(page, served, OFFICER)

    with page.expect_navigation():
        page.get_by_role("button", name="Logga ut").click()

    assert page.get_by_role("heading", name="Utloggad").is_visible()
    response = page.goto(f"{served.url}/routines")
    assert response.status == 401


# --- drilling down ------------------------------------------------------------------------


def test_drill_down_from_a_routine_to_an_occurrence_and_its_ledger_entry(
    page: Any, served: ThreadedBot, scenario: Scenario
) -> None:
    sign_in(page, served, OFFICER)
    late = next(p for p in scenario.of("retention-review") if scenario.expected(p) == "late")

    page.get_by_role("link", name="Rutiner", exact=True).click()
    page.get_by_role("combobox", name="Period").select_option(f"{late.scheduled.year}")
    page.wait_for_url(re.compile(r"period="))
    page.get_by_role("link", name="Gallring av kunddata").click()
    page.wait_for_url(re.compile(r"/occurrences\?"))
    page.get_by_role("link", name=f"Förekomst {late.occurrence_id}").click()
    page.wait_for_url(re.compile(rf"/occurrences/{late.occurrence_id}$"))

    assert page.get_by_role("heading", name="Tilldelade").is_visible()
    assert page.get_by_role("cell", name="Olle Ops").first.is_visible()
    history = page.locator("table.history").inner_text()
    for event in ("Skapad", "Postad", "Påminnelse", "Eskalerad", "Kvitterad"):
        assert event in history, event
    evidence = page.get_by_role("link", name=re.compile(r"intranet\.example\.com.gallring"))
    assert evidence.count() == 1
    assert page.get_by_text("stämmer med liggaren").count() >= 1
    screenshot(page, "occurrence")

    entry = page.locator("table.history tr", has_text="Kvitterad").get_by_role("link").first
    seq = int(entry.inner_text().lstrip("#"))
    entry.click()
    page.wait_for_url(re.compile(rf"/ledger/{seq}$"))
    stored = _ledger_hash(served, seq)
    assert page.locator("#entry-hash").inner_text() == stored
    assert page.get_by_text("av föregående hash + innehåll stämmer", exact=False).is_visible()


def _ledger_hash(bot: ThreadedBot, seq: int) -> str:
    assert bot.services is not None
    path = bot.services.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        (digest,) = db.execute("SELECT hash FROM ledger_entries WHERE seq = ?", (seq,)).fetchone()
    return str(digest)


# --- downloads ----------------------------------------------------------------------------


def test_an_officer_downloads_a_csv_and_the_export_is_in_the_ledger(
    page: Any, served: ThreadedBot, scenario: Scenario, tmp_path: Path
) -> None:
    sign_in(page, served, OFFICER)
    page.get_by_role("link", name="Nedladdningar").click()
    page.get_by_role("combobox", name="Kvartal eller år").select_option("2027-Q1")

    with page.expect_download() as waiting:
        page.get_by_role("button", name="Hämta CSV").click()
    download = waiting.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    assert download.suggested_filename == "gdpr-report-2027-Q1.csv"
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    in_q1 = [p for p in scenario.planned if p.scheduled.year == 2027 and p.scheduled.month <= 3]
    assert {int(r[0]) for r in rows[1:]} == {p.occurrence_id for p in in_q1}
    assert _last_event(served) == "report.exported"


def _last_event(bot: ThreadedBot) -> str:
    assert bot.services is not None
    path = bot.services.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        (event,) = db.execute(
            "SELECT event FROM ledger_entries ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    return str(event)


# --- a team lead --------------------------------------------------------------------------


def test_a_team_lead_sees_their_team_and_is_refused_another_teams_routine(
    page: Any, served: ThreadedBot, scenario: Scenario
) -> None:
    sign_in(page, served, LEAD_SUP)
    assert page.get_by_text("Du ser dina team: C0SUP").is_visible()
    assert page.get_by_role("link", name="Nedladdningar").count() == 0
    mine = scenario.counts(
        NOW.date().replace(month=4, day=1), NOW.date().replace(month=6, day=30), ["dsr-check"]
    )
    assert int(page.locator('li[data-outcome="pending"] .count').inner_text()) == mine["pending"]

    response = page.goto(f"{served.url}/occurrences?routine=retention-review")
    assert response.status == 403
    assert page.get_by_role("heading", name="Ingen åtkomst").is_visible()

    other = scenario.of("retention-review")[0]
    response = page.goto(f"{served.url}/occurrences/{other.occurrence_id}")
    assert response.status == 403


# --- accessible and printable -------------------------------------------------------------


def test_the_first_tab_stop_skips_to_the_content(page: Any, served: ThreadedBot) -> None:
    sign_in(page, served, OFFICER)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"


def test_the_printed_page_drops_menus_and_buttons(page: Any, served: ThreadedBot) -> None:
    sign_in(page, served, OFFICER)

    page.emulate_media(media="print")

    assert not page.get_by_role("navigation", name="Huvudmeny").is_visible()
    assert not page.get_by_role("button", name="Logga ut").is_visible()
    assert page.get_by_role("heading", name="Översikt").is_visible()
