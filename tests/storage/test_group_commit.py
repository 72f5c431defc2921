"""Group commit: what arrives while a transaction runs shares the next one; nothing waits
for a worker that has already finished."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from storage.group_commit import GroupCommit


async def test_a_request_right_after_the_last_one_answered_is_run() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda batch: [n * 2 for n in batch])
    async with asyncio.timeout(30):  # (not wait_for: its extra task would hide a stall)
        for n in range(5):  # each submitted as soon as the one before is answered
            assert await group.submit(n) == n * 2


async def test_requests_arriving_while_one_runs_share_the_next_transaction() -> None:
    running, release = threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def run(batch: list[int]) -> list[int]:
        batches.append(batch)
        running.set()
        release.wait(30)
        return batch

    group: GroupCommit[int, int] = GroupCommit(run)
    first = asyncio.ensure_future(group.submit(0))
    await asyncio.to_thread(running.wait, 30)
    rest = [asyncio.ensure_future(group.submit(n)) for n in (1, 2, 3)]
    release.set()
    assert await asyncio.wait_for(asyncio.gather(first, *rest), 30) == [0, 1, 2, 3]
    assert batches == [[0], [1, 2, 3]]


async def test_a_group_commit_does_not_wait_for_the_shared_threads() -> None:
    """Its batches run on threads of its own, even while every thread of the loop's
    shared pool is busy (the inbox's stores, which the HTTP acknowledgement waits for)."""
    loop = asyncio.get_running_loop()
    shared = ThreadPoolExecutor(max_workers=1)
    loop.set_default_executor(shared)
    busy, release = asyncio.Event(), threading.Event()

    def occupy() -> None:
        loop.call_soon_threadsafe(busy.set)
        release.wait(30)

    blocked = loop.run_in_executor(None, occupy)
    try:
        await busy.wait()
        group: GroupCommit[int, int] = GroupCommit(lambda batch: [n + 1 for n in batch])
        async with asyncio.timeout(30):
            assert await group.submit(1) == 2
    finally:
        release.set()
        await blocked
        shared.shutdown()
