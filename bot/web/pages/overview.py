"""`GET /`: adherence at a glance (two quarters, twelve months, overdue, the ledger)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.web.chart import trend_chart
from bot.web.http import Page, message, open_page, render
from bot.web.pages.common import visible_routines
from bot.web.room import Panel
from routines.service import OUTCOMES

log = logging.getLogger(__name__)


async def overview(request: web.Request) -> web.StreamResponse:
    page = await open_page(request)
    if page.viewer is None:
        if request.query.get("signed_out"):
            return message(page, 200, "web.signed_out_title", "web.signed_out")
        return message(page, 401, "web.signin_title", "web.signin_needed")
    room = page.room
    figures = await asyncio.to_thread(
        room.views.overview, page.now, page.lang, visible_routines(page)
    )
    panels = await asyncio.to_thread(_panels, page)
    return render(
        page,
        "overview.html.j2",
        title=page.t("web.nav.overview"),
        o=figures,
        outcomes=OUTCOMES,
        chart=trend_chart(figures.trend),
        panels=panels,
    )


def _panels(page: Page) -> list[Panel]:
    """Each added service's panel for this viewer; one that fails is left out, logged."""
    shown = []
    for provider in page.room.panels:
        try:
            panel = provider.panel(page.access, page.lang, page.now)
        except Exception:
            log.exception("overview panel failed", extra={"panel": type(provider).__name__})
            continue
        if panel is not None:
            shown.append(panel)
    return shown


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", overview)
