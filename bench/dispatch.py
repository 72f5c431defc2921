"""Routine dispatch benchmark: 10,000 due occurrences through the real Slack notifier.

The outbox rows are bulk-inserted (creation is not what is measured), then the real
`Dispatcher` claims them with leases, posts each through `SlackNotifier` +
`slack_sdk.AsyncWebClient` to the local fake Slack Web API (testing/slack_api.py,
loopback HTTP, which answers the first calls with 429), marks each sent with its ledger
entry, and retries the rate-limited ones after their back-off. Prints total time, time
inside the notifier, own overhead per post (total minus notifier time, divided by posts),
and verifies from the fake API's log that every occurrence was posted exactly once.

    python bench/dispatch.py [--count 10000] [--database-url URL] [--concurrency 1]
                             [--rate-limited 25] [--no-record]

Overhead is measured with concurrency 1 by default, so notifier time adds up linearly.
Results are appended to docs/performance.md, section "Routine dispatch".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from bot.platforms.slack.notifier import SlackNotifier  # noqa: E402
from routines import ledger  # noqa: E402
from routines.catalog import Assignees, Catalog, Routine, Target  # noqa: E402
from routines.engine.dispatch import Dispatcher  # noqa: E402
from routines.engine.models import POST, SENT, Notification, Occurrence  # noqa: E402
from routines.ports import ACTION_CONFIRM  # noqa: E402
from routines.schedule.rules import Schedule  # noqa: E402
from storage.engines import make_engine  # noqa: E402
from storage.migrate import create_schema  # noqa: E402
from storage.sessions import session_factory, transaction  # noqa: E402
from testing.bench_docs import append_to_section  # noqa: E402
from testing.slack_api import FakeSlackApi  # noqa: E402

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
ROUTINE = Routine(
    id="bench",
    title={"sv": "Gallring av kunddata", "en": "Customer data retention"},
    description={"sv": "Radera det som inte behövs.", "en": "Delete what is not needed."},
    schedule=Schedule(dates=(date(2027, 1, 4),)),
    assignees=Assignees(anyone_in_channel=True),
    gdpr=("5(1)(e)",),
    post_to=(Target("slack", "channel", "C0GDPR"),),
    evidence="optional",
)


def seed(factory: object, count: int) -> None:
    """`count` open occurrences, each with one pending post to one of 50 channels."""
    start = date(2000, 1, 1)
    with transaction(factory) as session:  # type: ignore[arg-type]
        session.execute(
            insert(Occurrence),
            [
                {
                    "id": i + 1,
                    "routine_id": ROUTINE.id,
                    "scheduled_date": start + timedelta(days=i),
                    "post_date": start + timedelta(days=i),
                    "due_date": start + timedelta(days=i + 14),
                    "status": "open",
                    "confirm_mode": "any",
                    "anyone_in_channel": True,
                    "created_at": NOW,
                    "created_late": False,
                }
                for i in range(count)
            ],
        )
        session.execute(
            insert(Notification),
            [
                {
                    "occurrence_id": i + 1,
                    "kind": POST,
                    "recipient_platform": "slack",
                    "recipient_kind": "channel",
                    "recipient_address": f"C{i % 50:04d}",
                    "sequence": 0,
                    "status": "pending",
                    "not_before": NOW,
                    "attempts": 0,
                    "created_at": NOW,
                }
                for i in range(count)
            ],
        )


LEDGER_CPU = [0.0]


def time_ledger_appends() -> None:
    """Count CPU time inside the ledger appends (the evidence entry of every post)."""
    for name in ("append_event", "append_events"):
        original = getattr(ledger, name)

        def timed(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return _original(*args, **kwargs)
            finally:
                LEDGER_CPU[0] += time.thread_time() - started

        setattr(ledger, name, timed)


async def run(args: argparse.Namespace) -> dict[str, object]:
    time_ledger_appends()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    schema = ""
    if url.startswith("postgresql"):  # a fresh schema, dropped afterwards
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with create_engine(url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    create_schema(engine)
    factory = session_factory(engine)
    seed(factory, args.count)

    fake = await FakeSlackApi().start()
    fake.rate_limit(args.rate_limited, retry_after=1)
    # one HTTP session for all calls (keep-alive), as a long-running bot has
    http = aiohttp.ClientSession()
    client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url, session=http)
    dispatcher = Dispatcher(
        factory, SlackNotifier(client), Catalog((ROUTINE,)),
        owner="bench", batch_size=200, concurrency=args.concurrency,
    )  # fmt: skip
    started = time.perf_counter()
    first = await dispatcher.dispatch(NOW)
    # the rate-limited ones wait for their back-off; a later tick (simulated time) posts them
    second = await dispatcher.dispatch(NOW + timedelta(hours=2))
    total = time.perf_counter() - started
    await http.close()
    await fake.close()

    posted = first.total_sent + second.total_sent
    notifier = first.notifier_seconds + second.notifier_seconds
    database_cpu = first.database_cpu_seconds + second.database_cpu_seconds
    ids = Counter(
        v for call in fake.calls_to("chat.postMessage") for v in call.action_values(ACTION_CONFIRM)
    )
    with transaction(factory) as session:
        sent_rows = session.scalar(
            select(func.count()).select_from(Notification).where(Notification.status == SENT)
        )
    engine.dispose()
    tmp.cleanup()
    if schema:
        admin = create_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    exactly_once = (
        len(ids) == args.count
        and set(ids.values()) == {1}
        and sent_rows == args.count
        and posted == args.count
    )
    return {
        "database": engine.dialect.name,
        "count": args.count,
        "posted": posted,
        "rate_limited_retries": first.retried + second.retried,
        "total_s": total,
        "notifier_s": notifier,
        "overhead_ms": (total - notifier) / max(1, posted) * 1000,
        "database_cpu_ms": database_cpu / max(1, posted) * 1000,
        "ledger_cpu_ms": LEDGER_CPU[0] / max(1, posted) * 1000,
        "load": os.getloadavg()[0],
        "exactly_once": exactly_once,
        "concurrency": args.concurrency,
    }


def record(result: dict[str, object]) -> None:
    """Add a line under "## Routine dispatch" in docs/performance.md (never clobbering)."""
    path = ROOT / "docs" / "performance.md"
    path.parent.mkdir(exist_ok=True)
    line = (
        f"- {datetime.now(UTC).date().isoformat()} · {platform.python_implementation()} "
        f"{platform.python_version()} · {result['database']} · {result['count']} posts via "
        f"SlackNotifier → fake Slack Web API (loopback HTTP, first "
        f"{result['rate_limited_retries']} answered 429 and retried), concurrency "
        f"{result['concurrency']}: total {result['total_s']:.2f} s, inside the notifier "
        f"{result['notifier_s']:.2f} s, own overhead {result['overhead_ms']:.3f} ms/post "
        f"(target ≤ 1 ms; CPU in claim/mark-sent {result['database_cpu_ms']:.3f} ms/post, of "
        f"which the ledger append {result['ledger_cpu_ms']:.3f} ms; load average "
        f"{result['load']:.1f} on "
        f"{os.cpu_count()} cores), each occurrence posted exactly once: "
        f"{'yes' if result['exactly_once'] else 'NO'}\n"
    )
    intro = (
        "`python bench/dispatch.py`: claim with lease, post, mark sent "
        "with its ledger entry, per occurrence; own overhead = total time minus time "
        "inside `Notifier.send`, per post."
    )
    append_to_section(path, "## Routine dispatch", intro, line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rate-limited", type=int, default=25)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(
        f"{result['count']} occurrences on {result['database']}: posted {result['posted']} "
        f"({result['rate_limited_retries']} after a 429) in {result['total_s']:.2f} s; "
        f"inside the notifier {result['notifier_s']:.2f} s; own overhead "
        f"{result['overhead_ms']:.3f} ms per post (CPU in claim/mark-sent "
        f"{result['database_cpu_ms']:.3f} ms per post, of which ledger append "
        f"{result['ledger_cpu_ms']:.3f} ms; load average {result['load']:.1f}); "
        f"exactly once: {result['exactly_once']}"
    )
    if not args.no_record:
        record(result)
    if not result["exactly_once"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
