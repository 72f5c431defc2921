"""The one aiohttp server: platform webhooks, health and readiness, and what others add.

Routes:
- `POST /slack/events`  Slack HTTP mode (events, slash command, interactivity)
- `POST /api/messages`  Microsoft Teams (Bot Framework)
  (each front end mounts its own, `FrontEnd.add_routes`)
- `GET /healthz`        liveness: the process serves requests
- `GET /readyz`         readiness: database reachable and knowledge loaded (else 503)
- `GET /metrics`        Prometheus metrics (bot/chat/metrics.py; no people, no text)
- `GET /reports/<token>` a report download link (15 minutes, signed; Teams officers)
- `GET /`, `/routines`, ... the officers' pages, when `services.web` is set (bot/web/pages)

Every response carries the security headers of bot/web/http.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from bot.app import Services
from bot.chat import metrics
from bot.chat.limits import MAX_REQUEST_BYTES
from bot.config import SettingsError
from bot.records.report_links import LinkError, ReportLinkStore
from bot.web.http import attachment, security_headers

log = logging.getLogger(__name__)

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def metrics_endpoint(request: web.Request) -> web.Response:
    body, content_type = metrics.render()
    response = web.Response(body=body)
    response.headers["Content-Type"] = content_type
    return response


async def readyz(request: web.Request) -> web.Response:
    ready = await request.app[SERVICES].ready()
    return web.json_response(
        {"status": "ready" if ready else "not ready"}, status=200 if ready else 503
    )


def build_web_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[security_headers])
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)

    # --- platform routes: `POST /slack/events`, `POST /api/messages` when enabled --------
    for front_end in services.front_ends.values():
        front_end.add_routes(app)

    # --- other routes: report downloads ------------------------------------------------
    add_report_routes(app, services.report_links, services.now)
    if services.web is not None:  # the officers' pages (bot/web/pages)
        from bot.web.pages import add_pages

        add_pages(app, services.web)
    return app


async def start_server(services: Services, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve the app on host:port (0 = any free port); returns the runner and the bound port."""
    runner = web.AppRunner(build_web_app(services), access_log=None, shutdown_timeout=15)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:  # a port in use, a host name that does not resolve, …
        await runner.cleanup()
        reason = exc.strerror or str(exc)
        raise SettingsError(
            f"cannot listen on {host}:{port} ({reason}); check GDPRBOT_HOST and GDPRBOT_PORT"
        ) from None
    bound = port
    server = getattr(site, "_server", None)
    if server is not None and server.sockets:
        bound = int(server.sockets[0].getsockname()[1])
    log.info("http server listening", extra={"host": host, "port": bound})
    return runner, bound


async def serve(services: Services, *, console: bool) -> None:
    """Run until SIGTERM/SIGINT (or the console user quits), then shut down gracefully.

    Shutdown order: stop accepting and let in-flight requests finish, then stop the
    platform connections and schedulers, then close the database.
    """
    settings = services.settings
    runner, _ = await start_server(services, settings.host, settings.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    console_task: asyncio.Task[None] | None = None
    starting = asyncio.create_task(services.start())
    stopping = asyncio.create_task(stop.wait())
    try:
        # a signal also stops a start that waits (Socket Mode retrying a connection)
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # a start that failed raises here
            if console:
                console_task = asyncio.create_task(services.console.run())
                console_task.add_done_callback(lambda _: stop.set())
            await stopping
        log.info("shutting down")
    finally:
        for task in (starting, stopping):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if console_task is not None and not console_task.done():
            console_task.cancel()
        await runner.cleanup()
        await services.close()


def add_report_routes(
    app: web.Application, links: ReportLinkStore, clock: Callable[[], datetime]
) -> None:
    """`GET /reports/<token>`: signed 15-minute links that work once (each download is a
    ledger entry), checked against the bot's clock."""

    async def download(request: web.Request) -> web.StreamResponse:
        try:
            report = await links.open(request.match_info["token"], clock())
        except LinkError as exc:
            log.info("report link refused", extra={"status": exc.status})
            text = (
                "Länken har redan använts eller gått ut; be om rapporten igen. / "
                "The link has been used or has expired; ask for the report again."
                if exc.status == 410
                else ("Okänd länk. / Unknown link.")
            )
            return web.Response(status=exc.status, text=text)
        log.info("report downloaded", extra={"person_key": report.person_key})
        return attachment(report.content, report.filename, report.mime_type)

    app.router.add_get("/reports/{token}", download)
