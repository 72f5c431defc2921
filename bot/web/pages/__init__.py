"""The officers' pages, one module each; `add_pages` mounts them on the one server.

/                      overview                 (pages/overview.py)
/routines, /teams      figures per routine/team (pages/tables.py)
/occurrences           the occurrences behind a number
/occurrences/{id}      one occurrence: history, evidence, ledger entries (pages/evidence.py)
/ledger/{seq}          one ledger entry and its hash checks
/insights              questions and articles (officers; pages/insights.py)
/downloads             reports and the auditor's zip (officers; pages/downloads.py)
/signin/{token}, /signin, /signout   (bot/web/signin.py)
/static/...            web.css, web.js
"""

from __future__ import annotations

from aiohttp import web

from bot.web import signin
from bot.web.http import ROOM, STATIC
from bot.web.pages import downloads, evidence, insights, overview, tables
from bot.web.room import WebRoom


def add_pages(app: web.Application, room: WebRoom) -> None:
    app[ROOM] = room
    for module in (overview, tables, evidence, insights, downloads, signin):
        module.add_routes(app)
    app.router.add_static("/static", STATIC, show_index=False, follow_symlinks=False)
