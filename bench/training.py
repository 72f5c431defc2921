"""Training campaign benchmark: one `kind: training` routine with 5,000 people falls due.

The real `RoutineService.tick` creates the occurrence (5,000 audience rows, each person
resolved once, 5,000 private posts queued in the outbox), then the real `Dispatcher`
posts each campaign DM through `SlackNotifier` + `slack_sdk.AsyncWebClient` to the local
fake Slack Web API (loopback HTTP) and marks it sent with its ledger entry. Prints the
creation time per person, the dispatch overhead per person (total minus time inside the
notifier, as `bench/dispatch.py` measures routine dispatch) and checks from the fake
API's log that every person got the quiz button exactly once; then reads the training
report over the 5,000 (per campaign, team and person) and writes its zip; and enrols
the same number from a channel roster (`assignees: channel`), then reruns with nobody new.

    python bench/training.py [--people 5000] [--concurrency 1] [--no-record]

Results are appended to docs/performance.md, section "Training campaigns".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from bot.platforms.slack.notifier import SlackNotifier  # noqa: E402
from routines.catalog import Assignees, Catalog, Routine, Target  # noqa: E402
from routines.catalog.training import Training  # noqa: E402
from routines.ports import ACTION_QUIZ  # noqa: E402
from routines.reports.adherence import parse_period  # noqa: E402
from routines.reports.training import training_report  # noqa: E402
from routines.reports.training_formats import render_training  # noqa: E402
from routines.schedule.rules import Schedule  # noqa: E402
from routines.service import RoutineService  # noqa: E402
from storage.engines import make_engine  # noqa: E402
from storage.migrate import create_schema  # noqa: E402
from storage.sessions import read_session, session_factory  # noqa: E402
from testing.bench_docs import append_to_section  # noqa: E402
from testing.slack_api import FakeSlackApi  # noqa: E402

NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


def campaign(people: int) -> Routine:
    return Routine(
        id="onboarding-quiz",
        kind="training",
        title={"sv": "GDPR-quiz", "en": "GDPR quiz"},
        description={},
        schedule=Schedule(dates=(date(2027, 1, 4),)),
        time=datetime.min.time(),
        timezone="UTC",
        assignees=Assignees(
            people=tuple(Target("slack", "person", f"U{i:06d}") for i in range(people)),
            confirm="all",
        ),
        due_days=14,
        training=Training(tags=("onboarding",), questions=5, pass_mark=80),
    )


async def run(args: argparse.Namespace) -> dict[str, object]:
    tmp = tempfile.TemporaryDirectory()
    engine = make_engine(f"sqlite:///{Path(tmp.name) / 'bench.db'}")
    create_schema(engine)
    fake = await FakeSlackApi().start()
    http = aiohttp.ClientSession()
    client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url, session=http)
    service = RoutineService(
        session_factory(engine), Catalog((campaign(args.people),)), SlackNotifier(client),
        owner="bench", batch_size=200, concurrency=args.concurrency,
    )  # fmt: skip
    started = time.perf_counter()
    planned = service.plan(NOW)
    created = time.perf_counter() - started
    report = await service.tick(NOW)  # nothing more to create: this tick dispatches
    total = time.perf_counter() - started - created
    reported = time.perf_counter()
    with read_session(session_factory(engine)) as session:
        figures = training_report(session, service.catalog, parse_period("2027-Q1"), NOW.date())
    report_s = time.perf_counter() - reported
    zipped = time.perf_counter()
    package = render_training(figures, "zip", "sv")
    zip_s = time.perf_counter() - zipped
    enrol_s, rerun_s = enrolment(args.people)
    await http.close()
    await fake.close()
    engine.dispose()
    tmp.cleanup()
    posted = report.dispatch.total_sent
    ids = Counter(
        v for call in fake.calls_to("chat.postMessage") for v in call.action_values(ACTION_QUIZ)
    )
    return {
        "people": args.people,
        "created_occurrences": len(planned.created),
        "create_ms_per_person": created / args.people * 1000,
        "posted": posted,
        "dispatch_s": total,
        "notifier_s": report.dispatch.notifier_seconds,
        "overhead_ms": (total - report.dispatch.notifier_seconds) / max(1, posted) * 1000,
        "report_s": report_s,
        "zip_s": zip_s,
        "zip_bytes": len(package),
        "enrol_ms_per_person": enrol_s / args.people * 1000,
        "enrol_rerun_s": rerun_s,
        "exactly_once": posted == args.people and sum(ids.values()) == args.people,
        "load": os.getloadavg()[0],
        "concurrency": args.concurrency,
    }


class _NotSent:
    """Enrolment only queues the DMs; nothing is dispatched in this part."""

    async def send(self, recipient: object, notice: object) -> object:
        raise AssertionError("enrolment does not send")

    async def update(self, delivered: object, notice: object) -> None:
        raise AssertionError("enrolment does not send")


def enrolment(people: int) -> tuple[float, float]:
    """A campaign for a channel (`assignees: channel`) whose roster lists `people`: the
    first enrolment (each joins, a DM queued) and the hourly rerun with nobody new."""
    tmp = tempfile.TemporaryDirectory()
    engine = make_engine(f"sqlite:///{Path(tmp.name) / 'enrol.db'}")
    create_schema(engine)
    routine = replace(
        campaign(0),
        post_to=(Target("slack", "channel", "C0ALL"),),
        assignees=Assignees(anyone_in_channel=True),
    )
    service = RoutineService(
        session_factory(engine), Catalog((routine,)), _NotSent(), owner="bench"
    )
    service.plan(NOW)
    roster = [f"U{i:06d}" for i in range(people)]
    started = time.perf_counter()
    joined = service.quiz.enroll_members(routine.id, "slack", roster, NOW)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = service.quiz.enroll_members(routine.id, "slack", roster, NOW)
    rerun = time.perf_counter() - started
    engine.dispose()
    tmp.cleanup()
    assert (joined, again) == (people, 0), (joined, again)
    return first, rerun


def record(result: dict[str, object]) -> None:
    """Add a line under "## Training campaigns" in docs/performance.md."""
    path = ROOT / "docs" / "performance.md"
    line = (
        f"- {datetime.now(UTC).date().isoformat()} · sqlite · {result['people']} people, one "
        f"campaign via SlackNotifier → fake Slack Web API (loopback HTTP), concurrency "
        f"{result['concurrency']}: creating the occurrence {result['create_ms_per_person']:.3f}"
        f" ms/person; dispatch {result['dispatch_s']:.2f} s, inside the notifier "
        f"{result['notifier_s']:.2f} s, own overhead {result['overhead_ms']:.3f} ms/person "
        f"(load average {result['load']:.1f} on {os.cpu_count()} cores), every person "
        f"posted exactly once: {'yes' if result['exactly_once'] else 'NO'}; the training "
        f"report over them {result['report_s']:.2f} s to read, its zip "
        f"{result['zip_s']:.2f} s ({result['zip_bytes']} bytes); the same audience by "
        f"channel roster enrolled {result['enrol_ms_per_person']:.3f} ms/person, the "
        f"hourly rerun with nobody new {result['enrol_rerun_s']:.2f} s\n"
    )
    intro = (
        "`python bench/training.py`: a `kind: training` routine with "
        "5,000 people falls due; creation (audience rows, queued DMs) and dispatch "
        "overhead per person, next to the routine dispatch figure above."
    )
    append_to_section(path, "## Training campaigns", intro, line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    for key, value in result.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    if not args.no_record:
        record(result)
    if not result["exactly_once"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
