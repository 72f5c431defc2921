"""Group commit: what arrives while a transaction runs shares the next one; nothing waits
for a worker that has already finished."""

from __future__ import annotations

import asyncio
import threading

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
