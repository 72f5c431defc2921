"""`GET /routines`, `GET /teams`, `GET /occurrences`: the figures per routine and team for a
period, and the occurrences behind any number (each count links to its list)."""

from __future__ import annotations

import asyncio
from typing import Final

from aiohttp import web

from bot.web.http import Page, refused, render, signed_in
from bot.web.pages.common import chosen_period, narrowed, period_choices, visible_routines
from routines.service import OUTCOMES

PAGE_SIZE: Final = 100


@signed_in("routines")
async def routines(page: Page) -> web.StreamResponse:
    today = page.room.views.today(page.now)
    period, error = chosen_period(page, today)
    team = page.request.query.get("team", "")
    if team and not page.access.may_see_team(team):
        return refused(page)
    shown = narrowed(page, team=team) if team else visible_routines(page)
    rows = await asyncio.to_thread(page.room.views.routine_rows, period, page.now, page.lang, shown)
    return render(
        page, "routines.html.j2", title=page.t("web.nav.routines"), rows=rows, period=period,
        choices=period_choices(today), error=error, team=team, outcomes=OUTCOMES,
        status=400 if error else 200,
    )  # fmt: skip


@signed_in("teams")
async def teams(page: Page) -> web.StreamResponse:
    today = page.room.views.today(page.now)
    period, error = chosen_period(page, today)
    rows = await asyncio.to_thread(
        page.room.views.team_rows, period, page.now, page.lang, visible_routines(page)
    )
    return render(
        page, "teams.html.j2", title=page.t("web.nav.teams"), rows=rows, period=period,
        choices=period_choices(today), error=error, outcomes=OUTCOMES,
        status=400 if error else 200,
    )  # fmt: skip


@signed_in("occurrences")
async def occurrences(page: Page) -> web.StreamResponse:
    query = page.request.query
    routine, team = query.get("routine", ""), query.get("team", "")
    if routine and not page.access.may_see_routine(routine):
        return refused(page)
    if team and not page.access.may_see_team(team):
        return refused(page)
    today = page.room.views.today(page.now)
    period, error = chosen_period(page, today) if query.get("period") else (None, "")
    outcome = query.get("outcome", "")
    if outcome not in OUTCOMES:
        outcome = ""
    overdue = query.get("overdue") == "1"
    try:
        number = max(1, int(query.get("page", "1")))
    except ValueError:
        number = 1
    result = await asyncio.to_thread(
        lambda: page.room.views.occurrences(
            page.now, page.lang, routines=narrowed(page, routine, team), period=period,
            outcome=outcome or None, overdue=overdue, limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
    )  # fmt: skip
    filters = {
        "routine": routine,
        "team": team,
        "period": period.label if period else "",
        "outcome": outcome,
        "overdue": "1" if overdue else "",
    }
    return render(
        page, "occurrences.html.j2", title=page.t("web.occurrences_title"), result=result,
        filters=filters, number=number, page_size=PAGE_SIZE, error=error,
        status=400 if error else 200,
    )  # fmt: skip


def add_routes(app: web.Application) -> None:
    app.router.add_get("/routines", routines)
    app.router.add_get("/teams", teams)
    app.router.add_get("/occurrences", occurrences)
