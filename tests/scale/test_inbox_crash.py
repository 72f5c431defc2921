"""Nothing acknowledged is lost: confirm clicks sent to a real `gdpr-bot run`, kill -9 while
they arrive, and every click that got its HTTP 200 is recorded exactly once afterwards.

SQLite: the one process is restarted and works off what it had stored. PostgreSQL: one
of three replicas is killed and the other two take over its stored clicks after the lease.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import aiohttp
import pytest

from testing.scale.cluster import (
    PATIENCE,
    Click,
    Replica,
    ReplicaCluster,
    catalogue,
    clicks_for,
    poll_until,
)
from testing.scale.database import ScaleDatabase
from tests.scale.conftest import Stack

CLICKS = 150
LEASE = "2"  # seconds before stored clicks of a dead process are taken over


async def _click_and_kill(
    clicks: list[Click], cluster: ReplicaCluster, victim: Replica, response_url: str
) -> set[int]:
    """Send every click to `victim` (20 at a time); kill -9 it once a third are
    acknowledged. Returns the occurrences whose click got HTTP 200."""
    acknowledged: set[int] = set()
    killed = asyncio.Event()
    gate = asyncio.Semaphore(20)
    timeout = aiohttp.ClientTimeout(total=30 * PATIENCE)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        async def one(click: Click) -> None:
            if killed.is_set():
                return
            async with gate:
                body = click.body(response_url)
                try:
                    async with http.post(
                        f"{victim.url}/slack/events",
                        data=body,
                        headers=cluster.signer.headers(body),
                    ) as response:
                        await response.read()
                        status = response.status
                except (TimeoutError, aiohttp.ClientError):
                    return
            if status == 200:
                acknowledged.add(click.occurrence_id)
                if len(acknowledged) >= len(clicks) // 3 and not killed.is_set():
                    killed.set()
                    victim.kill()

        await asyncio.gather(*(one(click) for click in clicks))
    assert killed.is_set(), "the victim was never killed"
    return acknowledged


def _all_recorded_once(db: ScaleDatabase, acknowledged: set[int]) -> bool:
    confirmed = db.confirmations()
    return all(confirmed.get(occurrence) == 1 for occurrence in acknowledged)


def _assert_exactly_once(db: ScaleDatabase, acknowledged: set[int]) -> None:
    confirmations, entries = db.confirmations(), db.confirmation_entries()
    assert {o: confirmations[o] for o in acknowledged} == dict.fromkeys(acknowledged, 1)
    assert {o: entries[o] for o in acknowledged} == dict.fromkeys(acknowledged, 1)
    assert max(confirmations.values(), default=1) == 1  # unacknowledged: at most once too


def _cluster(stack: Stack, count: int) -> ReplicaCluster:
    path = stack.workdir / "routines.yaml"
    path.write_text(catalogue(CLICKS, datetime.now(UTC).date()))
    env = {"GDPRBOT_ROUTINES_FILE": str(path), "GDPRBOT_INBOX_LEASE_SECONDS": LEASE}
    cluster = ReplicaCluster(stack.database_url, stack.slack, stack.workdir, env=env, count=count)
    stack.clusters.append(cluster)
    cluster.start()
    poll_until(lambda: stack.all_posted(CLICKS), 120, "every due occurrence posted")
    return cluster


def _in_thread(coroutine: object) -> set[int]:
    """Run the click burst on its own loop (the fake Slack API has the background one)."""
    result: list[set[int]] = []
    thread = threading.Thread(
        target=lambda: result.append(asyncio.run(coroutine))  # type: ignore[arg-type]
    )
    thread.start()
    thread.join()
    assert result, "the click burst failed"
    return result[0]


@pytest.mark.slow
@pytest.mark.xdist_group("scale")
def test_sqlite_clicks_acknowledged_before_a_kill_are_recorded_after_the_restart(
    sqlite_stack: Stack,
) -> None:
    cluster = _cluster(sqlite_stack, 1)
    clicks = sqlite_stack.admit(clicks_for(sqlite_stack.db.posted_messages()))
    [victim] = cluster.replicas

    acknowledged = _in_thread(
        _click_and_kill(clicks, cluster, victim, sqlite_stack.slack.response_url())
    )
    cluster.replicas.clear()
    cluster.start()  # the same database, a new process

    poll_until(
        lambda: _all_recorded_once(sqlite_stack.db, acknowledged),
        60,
        f"{len(acknowledged)} acknowledged clicks recorded",
    )
    _assert_exactly_once(sqlite_stack.db, acknowledged)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.xdist_group("scale")
def test_postgres_clicks_of_a_killed_replica_are_recorded_by_the_others(stack: Stack) -> None:
    cluster = _cluster(stack, 3)
    clicks = stack.admit(clicks_for(stack.db.posted_messages()))
    victim = cluster.replicas[0]

    acknowledged = _in_thread(_click_and_kill(clicks, cluster, victim, stack.slack.response_url()))

    poll_until(
        lambda: _all_recorded_once(stack.db, acknowledged),
        60,
        f"{len(acknowledged)} acknowledged clicks recorded",
    )
    _assert_exactly_once(stack.db, acknowledged)
