"""The bot's web room: the one aiohttp server (server.py) and the officers' pages.

    server.py     the aiohttp application: webhooks, probes, metrics, report links, pages
    room.py       WebRoom: what the pages are built from (services, stores, policy, keys)
    access.py     THE access decision for the pages (who sees which team and page)
    keys.py       the web secret (outside the database): sessions, sign-in links, CSRF
    http.py       security headers, language, sessions and CSRF for every page
    signin.py     one-time sign-in links (chat `webb`/`web`, `gdpr-bot web link`), sign out
    pages/        one module per page; templates/ and static/ beside them

Names are loaded lazily (`from bot.web import start_server` imports the server; importing
`bot.web.access` alone does not pull in the application).
"""

from __future__ import annotations

import importlib
from typing import Any

_SERVER_NAMES = frozenset(
    {
        "SERVICES",
        "add_report_routes",
        "build_web_app",
        "healthz",
        "metrics_endpoint",
        "readyz",
        "serve",
        "start_server",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SERVER_NAMES:
        return getattr(importlib.import_module("bot.web.server"), name)
    raise AttributeError(name)
