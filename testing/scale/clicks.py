"""Sending signed Slack clicks to replicas, many at once, and timing them to their reply."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp

from testing.scale.cluster import PATIENCE, Click, Replica, ReplicaCluster
from testing.slack_payloads import SlackSigner

CONCURRENCY = 50


@dataclass(frozen=True)
class Timed:
    """One closed-loop click: seconds from sending to the bot's HTTP answer and to the reply."""

    ack: float
    reply: float


@dataclass(frozen=True)
class Sent:
    click: Click
    replica: int
    status: int
    at: float  # time.monotonic() when the request left
    acked: float = 0.0  # time.monotonic() when the bot's HTTP answer (Slack's ack) was read


async def send_clicks(
    targets: Sequence[tuple[Click, Replica]],
    signer: SlackSigner,
    response_url: str,
    *,
    concurrency: int = CONCURRENCY,
    rate: float | None = None,
) -> list[Sent]:
    """POST every click to its replica's /slack/events, `concurrency` at a time (closed
    loop: a click waits for an earlier one's answer). With `rate` (clicks a second) the
    loop is open instead, as when many people click at once: the i-th click is due at
    i / rate seconds whatever the answers so far, and its `at` is that due time, so a
    server that falls behind shows its queue in the latencies (no coordinated omission)."""
    limit = len(targets) if rate else concurrency
    gate = asyncio.Semaphore(max(limit, 1))
    timeout = aiohttp.ClientTimeout(total=30 * PATIENCE)
    connector = aiohttp.TCPConnector(limit=max(limit, 1))
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        start = time.monotonic()

        async def one(i: int, click: Click, replica: Replica) -> Sent:
            due = start + i / rate if rate else None
            if due is not None:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            async with gate:
                body = click.body(response_url)
                started = due if due is not None else time.monotonic()
                async with http.post(
                    f"{replica.url}/slack/events", data=body, headers=signer.headers(body)
                ) as response:
                    await response.read()
                    return Sent(click, replica.index, response.status, started, time.monotonic())

        return list(await asyncio.gather(*(one(i, c, r) for i, (c, r) in enumerate(targets))))


async def click_and_wait(
    targets: Sequence[tuple[Click, Replica]],
    signer: SlackSigner,
    response_url: str,
    replied: Callable[[str], float | None],
    *,
    users: int = 10,
    timeout: float = 30.0,
) -> list[Timed]:
    """Closed loop: `users` people each click, wait for their reply, then click the next.
    Returns each click's seconds from sending to its HTTP answer and to `replied(message_ts)`
    (a monotonic time)."""
    queue = list(targets)
    latencies: list[Timed] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http:

        async def person() -> None:
            while queue:
                click, replica = queue.pop()
                body = click.body(response_url)
                started = time.monotonic()
                async with http.post(
                    f"{replica.url}/slack/events", data=body, headers=signer.headers(body)
                ) as response:
                    await response.read()
                acked = time.monotonic()
                for _ in range(int(timeout / 0.002)):
                    at = replied(click.message_ts)
                    if at is not None and at >= started:
                        latencies.append(Timed(acked - started, at - started))
                        break
                    await asyncio.sleep(0.002)

        await asyncio.gather(*(person() for _ in range(users)))
    return latencies


def send_clicks_now(
    cluster: ReplicaCluster, targets: Sequence[tuple[Click, Replica]], response_url: str
) -> list[Sent]:
    return asyncio.run(send_clicks(targets, cluster.signer, response_url))
