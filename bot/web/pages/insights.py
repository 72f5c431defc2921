"""`GET /insights`: unanswered questions, most 👎 articles, articles past review (officers)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Final

from aiohttp import web

from bot.features.kinds import overdue_articles, review_due
from bot.web.http import Page, render, signed_in

DAYS_OFFERED: Final = (7, 30, 90, 365)
DEFAULT_DAYS: Final = 90
TOP: Final = 10


@signed_in("insights")
async def insights(page: Page) -> web.StreamResponse:
    try:
        days = int(page.request.query.get("days", DEFAULT_DAYS))
    except ValueError:
        days = DEFAULT_DAYS
    if days not in DAYS_OFFERED:
        days = DEFAULT_DAYS
    room = page.room
    figures = await room.insights.figures(
        now=page.now, since=page.now - timedelta(days=days), top=TOP
    )
    today = room.views.today(page.now)
    articles = await asyncio.to_thread(lambda: overdue_articles(room.articles(), today))
    return render(
        page,
        "insights.html.j2",
        title=page.t("web.nav.insights"),
        f=figures,
        days=days,
        days_offered=DAYS_OFFERED,
        past_review=[(a, review_due(a)) for a in articles],
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/insights", insights)
