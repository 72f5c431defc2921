"""`GET /downloads` and `POST /downloads`: the report formats and the auditor's zip package
for a chosen period, made by the report service and recorded in the ledger like any other
export (`report.exported` under the officer's person key). Officers only."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import cast

from aiohttp import web

from bot.web.http import Page, attachment, finish, render, signed_in
from bot.web.pages.common import period_choices
from routines.service import FORMATS, MIME, Actor, Format, Period, between, parse_period

log = logging.getLogger(__name__)


@signed_in("downloads")
async def downloads(page: Page) -> web.StreamResponse:
    return _form(page)


def _form(page: Page, *, error: str = "", status: int = 200) -> web.Response:
    today = page.room.views.today(page.now)
    return render(
        page, "downloads.html.j2", title=page.t("web.nav.downloads"),
        choices=period_choices(today), formats=FORMATS, error=error, status=status,
    )  # fmt: skip


@signed_in("downloads")
async def download(page: Page) -> web.StreamResponse:
    form = await page.request.post()
    if not await page.csrf_ok(form):
        return _form(page, error=page.t("web.csrf_failed"), status=403)
    fmt = str(form.get("format", ""))
    if fmt not in FORMATS:
        return _form(page, error=page.t("web.bad_format"), status=400)
    try:
        period = _period(
            str(form.get("period", "")), str(form.get("from", "")), str(form.get("to", ""))
        )
    except ValueError:
        return _form(page, error=page.t("web.bad_dates"), status=400)
    assert page.viewer is not None
    who = page.viewer.identity
    actor = Actor(who.platform, who.user_id, who.name, who.email)
    report = await asyncio.to_thread(
        page.room.reports.export, actor, period, cast(Format, fmt), page.lang, page.now
    )
    log.info(
        "report exported",
        extra={"person_key": report.exporter, "period": period.label, "format": fmt, "via": "web"},
    )
    filename = f"gdpr-report-{period.label.replace('..', '_')}.{fmt}"
    response = attachment(report.content, filename, MIME[fmt])
    response.headers["X-Ledger-Seq"] = str(report.exported.ledger_seq)
    finish(page, response)
    return response


def _period(chosen: str, start: str, end: str) -> Period:
    """Both dates given: that range; else the chosen quarter or year."""
    if start.strip() or end.strip():
        return between(date.fromisoformat(start.strip()), date.fromisoformat(end.strip()))
    return parse_period(chosen)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/downloads", downloads)
    app.router.add_post("/downloads", download)
