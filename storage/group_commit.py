"""Group commit: requests arriving while one transaction runs share the next one.

No timer: the first request goes at once, alone; whatever arrives while its transaction
runs is done together in the next. Under load a batch grows to what one transaction's
time lets in, so many concurrent writers pay one commit (and one lock of a hot row, such
as the ledger head) instead of one each; alone, a request waits for nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """`run` gets a batch in a worker thread and returns one result per request, in
    order; its exception fails the whole batch.

    `workers` transactions may run at once (default one): a request arriving while all
    are busy waits for the next free one, which takes its share of what is waiting (so
    a burst is spread over the workers instead of queueing behind one). More than one
    only where `run`'s transactions cannot deadlock each other (locks in one order).

    `executor`: the threads `run` goes to (default: the loop's shared pool). A path that
    must not wait behind other work for a free thread (the inbox's store, which the
    HTTP acknowledgement waits for) gets threads of its own."""

    MAX_BATCH = 200

    def __init__(
        self,
        run: Callable[[list[T]], list[R]],
        *,
        workers: int = 1,
        executor: Executor | None = None,
    ) -> None:
        self._run = run
        self._max_workers = workers
        self._executor = executor
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._workers: set[asyncio.Task[None]] = set()

    async def submit(self, request: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        # Count the running ones: a finished worker leaves the set only in a callback,
        # after a request it answered may already have submitted the next.
        if sum(not worker.done() for worker in self._workers) < self._max_workers:
            worker = asyncio.create_task(self._drain())
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            share = min(self.MAX_BATCH, -(-len(self._waiting) // self._max_workers))
            batch = self._waiting[:share]
            del self._waiting[:share]
            try:
                requests = [request for request, _ in batch]
                results = await asyncio.get_running_loop().run_in_executor(
                    self._executor, self._run, requests
                )
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
