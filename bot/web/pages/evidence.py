"""`GET /occurrences/{id}` and `GET /ledger/{seq}`: one occurrence with its history and
evidence, and one ledger entry with its hash checks. A team lead opens only their teams'."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Final

from aiohttp import web

from bot.web.http import Page, not_found, refused, render, signed_in

log = logging.getLogger(__name__)

_URL: Final = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class TextPart:
    text: str
    href: str = ""  # a link to open (http/https only), or "" for plain text


def linked(text: str) -> list[TextPart]:
    """Notes with their evidence links clickable; nothing but http(s) becomes a link."""
    parts: list[TextPart] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:)")
        if match.start() > last:
            parts.append(TextPart(text[last : match.start()]))
        parts.append(TextPart(url, url))
        last = match.start() + len(url)
    if last < len(text):
        parts.append(TextPart(text[last:]))
    return parts


def _number(page: Page, name: str) -> int | None:
    value = page.request.match_info.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@signed_in("occurrence")
async def occurrence(page: Page) -> web.StreamResponse:
    occurrence_id = _number(page, "occurrence_id")
    if occurrence_id is None:
        return not_found(page)
    views = page.room.views
    routine_id = await asyncio.to_thread(views.routine_of, occurrence_id)
    if routine_id is None:
        return not_found(page)
    if not page.access.may_see_routine(routine_id):
        _log_refusal(page, "occurrence")
        return refused(page)
    detail = await asyncio.to_thread(views.occurrence, occurrence_id, page.now, page.lang)
    if detail is None:
        return not_found(page)
    return render(
        page,
        "occurrence.html.j2",
        title=page.t("web.occurrence_title", id=detail.occurrence_id),
        o=detail,
        linked=linked,
    )


@signed_in("ledger")
async def ledger_entry(page: Page) -> web.StreamResponse:
    seq = _number(page, "seq")
    if seq is None:
        return not_found(page)
    views = page.room.views
    entry = await asyncio.to_thread(views.ledger_entry, seq)
    if entry is None:
        return not_found(page)
    if not page.access.officer:
        # A team lead sees the entries of their teams' occurrences, nothing else.
        routine_id = (
            await asyncio.to_thread(views.routine_of, entry.occurrence_id)
            if entry.occurrence_id is not None
            else None
        )
        if routine_id is None or not page.access.may_see_routine(routine_id):
            _log_refusal(page, "ledger")
            return refused(page)
    return render(page, "entry.html.j2", title=page.t("web.entry_title", seq=seq), e=entry)


def _log_refusal(page: Page, what: str) -> None:
    assert page.viewer is not None
    log.info(
        "web page refused: not this lead's team",
        extra={"page": what, "person_key": page.viewer.identity.person_key},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/occurrences/{occurrence_id}", occurrence)
    app.router.add_get("/ledger/{seq}", ledger_entry)
