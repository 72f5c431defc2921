"""The bot's web room: the one aiohttp server (server.py) and, later, the officers' pages."""

from bot.web.server import (
    SERVICES,
    add_report_routes,
    build_web_app,
    healthz,
    metrics_endpoint,
    readyz,
    serve,
    start_server,
)

__all__ = [
    "SERVICES",
    "add_report_routes",
    "build_web_app",
    "healthz",
    "metrics_endpoint",
    "readyz",
    "serve",
    "start_server",
]
