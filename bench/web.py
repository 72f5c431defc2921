"""Benchmark: the officers' web pages over 100,000 occurrences, server time per page.

    .venv/bin/python bench/web.py                    # SQLite and PostgreSQL
    .venv/bin/python bench/web.py --db sqlite --occurrences 100000 --requests 30

Seeds a fresh database the way bench/evidence.py does (people, occurrences, assignees,
confirmations and a valid ledger of four entries per occurrence: 400,000 for 100,000
occurrences), spread over 1,000 routines in 20 teams, every occurrence inside the
overview's twelve months; the newest days are left open, so some are pending and some
overdue. A catalogue of the 1,000 routines gives titles, teams and team leads. Then it
starts the real server, signs in through a real link as the compliance officer and as
one team lead (50 routines), and requests each page `--requests` times after two warm-up
requests, reading the server's own `Server-Timing` header (handler start to response
ready: queries, rendering, middleware) and the client's round trip.

Target (issue 17): the overview for 100,000 occurrences in <= 300 ms server time.
Prints a Markdown table for docs/performance.md ("Web pages"), with the machine load.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from storage.engines import make_engine  # noqa: E402
from storage.migrate import create_schema  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "GDPRBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEAMS = 20
AS_OF = datetime(2027, 4, 12, 10, 0, tzinfo=UTC)  # bench/evidence.py's occurrences end here
TARGET_MS = 300.0
OFFICER, LEAD = "U0BENCHDPO", "U0LEAD03"
PAGES = ("/", "/routines", "/teams", "/occurrences?outcome=missing", "/occurrences/{id}")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _evidence() -> Any:
    """bench/evidence.py (its populate() seeds people, occurrences and the ledger)."""
    spec = importlib.util.spec_from_file_location("bench_evidence", REPO / "bench" / "evidence.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def catalogue(path: Path, routines: int) -> None:
    """1,000 routines in 20 teams (channels), each team led by one person."""
    lines = ["routines:"]
    for i in range(routines):
        team = i % TEAMS
        lines += [
            f"  - id: routine-{i:04d}",
            f"    title: {{sv: Rutin {i:04d}, en: Routine {i:04d}}}",
            "    description: {sv: Bänk, en: Bench}",
            "    schedule: {every: year, anchor: 2026-01-01}",
            f"    post_to: [{{platform: slack, channel: C0TEAM{team:02d}}}]",
            f'    assignees: {{people: ["slack:U0LEAD{team:02d}"]}}',
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def seed(url: str, occurrences: int) -> float:
    evidence = _evidence()
    engine = make_engine(url)
    create_schema(engine)
    started = time.perf_counter()
    evidence.populate(engine, occurrences * evidence.ENTRIES_PER_OCCURRENCE)
    with engine.begin() as conn:  # the newest days stay open: pending and overdue ones
        conn.execute(
            text(
                "UPDATE occurrences SET status = 'open', closed_at = NULL "
                "WHERE scheduled_date >= :since"
            ),
            {"since": "2027-04-03"},
        )
    engine.dispose()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Timing:
    page: str
    viewer: str
    server_ms: list[float]
    client_ms: list[float]

    def row(self) -> str:
        s, c = self.server_ms, self.client_ms
        return (
            f"| {self.viewer} | `{self.page}` | {statistics.median(s):.0f} | {p95(s):.0f} | "
            f"{max(s):.0f} | {statistics.median(c):.0f} |"
        )


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def measure(url: str, catalog: Path, requests: int) -> list[Timing]:
    from bot.app import build_services
    from bot.config import Settings
    from bot.web.server import start_server
    from bot.web.signin import SignInLinks

    settings = Settings(
        database_url=url, routines_files=[str(catalog)], compliance_officers=[OFFICER],
        web_secret="bench-web-secret-" + "b" * 32, host="127.0.0.1", port=0, console="off",
        teams_enabled=False, scheduler_enabled=False, slack_bot_token="", embeddings="off",
    )  # fmt: skip
    services = build_services(settings)
    services.clock = lambda: AS_OF
    runner, port = await start_server(services, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{port}"
    room = services.web
    assert room is not None
    room.config = replace(room.config, public_url=base)
    timings = []
    try:
        for viewer, user in (("officer", OFFICER), ("team lead (50 routines)", LEAD)):
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(cookie_jar=jar) as http:
                identity = room.store.identify("slack", user, AS_OF)
                assert identity is not None
                issued = SignInLinks.of(room).issue(identity, via="cli", now=AS_OF)
                assert issued is not None
                async with http.get(issued.url) as page:
                    csrf = CSRF.search(await page.text())
                assert csrf is not None
                token = issued.url.rsplit("/", 1)[1]
                data = {"csrf": csrf.group(1), "token": token}
                async with http.post(f"{base}/signin", data=data) as done:
                    assert done.status == 200, done.status
                # occurrence 3 is routine-0003's, which team 03's lead may open
                occurrence = "1" if viewer == "officer" else "3"
                for page_path in PAGES:
                    path = page_path.replace("{id}", occurrence)
                    timings.append(await _time(http, f"{base}{path}", requests, viewer, path))
    finally:
        await runner.cleanup()
        await services.close()
    return timings


async def _time(
    http: aiohttp.ClientSession, url: str, requests: int, viewer: str, path: str
) -> Timing:
    server, client = [], []
    for i in range(requests + 2):
        started = time.perf_counter()
        async with http.get(url) as response:
            await response.read()
            assert response.status == 200, (url, response.status)
            timing = response.headers["Server-Timing"]
        if i >= 2:  # two warm-up requests (template compilation, first connection)
            client.append((time.perf_counter() - started) * 1000)
            server.append(float(timing.split("dur=")[1]))
    return Timing(path, viewer, server, client)


def run(database: str, occurrences: int, requests: int, workdir: Path) -> list[Timing]:
    schema = None
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'web-bench.db'}"
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    try:
        seconds = seed(url, occurrences)
        print(f"[{database}] seeded {occurrences:,} occurrences in {seconds:.0f} s", flush=True)
        catalog = workdir / "routines.yaml"
        catalogue(catalog, 1000)
        return asyncio.run(measure(url, catalog, requests))
    finally:
        if schema is not None:
            admin = create_engine(PG_ADMIN_URL)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--occurrences", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    options = parser.parse_args()
    databases = ["sqlite", "postgres"] if options.db == "both" else [options.db]
    over = False
    with tempfile.TemporaryDirectory(prefix="gdpr-web-bench-") as tmp:
        for database in databases:
            load_before = os.getloadavg()[0]
            timings = run(database, options.occurrences, options.requests, Path(tmp))
            load_after = os.getloadavg()[0]
            print(
                f"\n{database}, {options.occurrences:,} occurrences, {options.requests} requests "
                f"per page, {os.cpu_count()} CPUs, load average {load_before:.1f} -> "
                f"{load_after:.1f} ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n"
            )
            print("| viewer | page | server p50 (ms) | p95 | max | client p50 (ms) |")
            print("| --- | --- | ---: | ---: | ---: | ---: |")
            for timing in timings:
                print(timing.row())
                if timing.page == "/" and p95(timing.server_ms) > TARGET_MS:
                    over = True
    print(f"\noverview p95 <= {TARGET_MS:.0f} ms: {'NOT MET' if over else 'met'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
