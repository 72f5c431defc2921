"""Store, acknowledge, then work: the durable inbox as every front end uses it.

A front end that receives an event it must not lose calls `accept(kind, key, body)`
before it answers the platform: the claim of `key` and the raw `body` are committed in
one transaction (`Inbox.accept`), then the work starts in the background and the front
end sends its acknowledgement (HTTP 200). `work(kind, body, stored)` is the front end's
own translate-and-reply; when it returns, the row is deleted. A process that dies in
between leaves the row; `start()` runs the recovery loop, which takes rows whose lease
ran out (any replica's) and works on them again. The database being down is no reason
to drop an event: it is then worked on at once, unstored (`stored=False`: the pipeline
claims it itself), as before the inbox.

Knows no platform and no HTTP: Slack and Teams each hand it their `work`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.chat import metrics
from bot.chat.ports import Inbox

log = logging.getLogger(__name__)

Work = Callable[[str, str, bool], Awaitable[None]]  # kind, raw body, stored
TAKE_AT_ONCE = 50  # what `Inbox.take_due` hands out at most (bot/records/inbox.py)


class InboxWorker:
    def __init__(
        self, inbox: Inbox, platform: str, work: Work, *, clock: Callable[[], datetime]
    ) -> None:
        self._inbox = inbox
        self._platform = platform
        self._work = work
        self._clock = clock
        self._recovery: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[Any]] = set()

    async def accept(self, kind: str, key: str, body: str) -> bool:
        """Store `body` with the claim of `key`, then start working on it. False: `key`
        was claimed before (a repeated delivery: nothing to do)."""
        try:
            item = await self._inbox.accept(self._platform, key, kind, body, self._clock())
        except Exception as exc:
            # Never the exception text: it may quote the payload.
            error = type(exc).__name__
            log.warning("event not stored; handled without the inbox",
                        extra={"platform": self._platform, "error": error})  # fmt: skip
            metrics.ERRORS.labels("inbox_unavailable").inc()
            self._spawn(self._run(None, kind, body))
            return True
        if item is None:
            return False
        self._spawn(self._run(item, kind, body))
        return True

    def _spawn(self, work: Awaitable[None]) -> asyncio.Future[None]:
        task = asyncio.ensure_future(work)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return task

    async def _run(self, item: int | None, kind: str, body: str) -> None:
        """Work on one event (`item`: its row; None: not stored), then forget it; on a
        failure the row waits for its lease."""
        try:
            await self._work(kind, body, item is not None)
            if item is not None:
                await self._inbox.done(item)
        except Exception as exc:
            log.warning("stored event failed; retried after its lease",
                        extra={"platform": self._platform, "kind": kind,
                               "error": type(exc).__name__})  # fmt: skip

    def start(self) -> None:
        self._recovery = asyncio.create_task(self._recover())

    async def _recover(self) -> None:
        """Now and every half lease: work on events whose process died before finishing."""
        while True:
            if await self.recover_once() < TAKE_AT_ONCE:
                await asyncio.sleep(self._inbox.lease_seconds / 2)

    async def recover_once(self) -> int:
        """Take the rows whose lease ran out (any replica's) and work on them; how many."""
        try:
            due = await self._inbox.take_due(self._platform, self._clock())
        except Exception as exc:
            log.warning("inbox unreadable", extra={"error": type(exc).__name__})
            return 0
        if due:
            log.info("events recovered from the inbox",
                     extra={"platform": self._platform, "count": len(due)})  # fmt: skip
        # All at once, each tracked like a new one: the batch must be done inside its
        # lease, or another replica takes the rest again (and answers twice).
        await asyncio.gather(*(self._spawn(self._run(item.id, item.kind, item.body))
                               for item in due))  # fmt: skip
        return len(due)

    async def settled(self, timeout: float | None = None) -> None:
        """Wait until the events accepted so far are worked on (or `timeout` passed)."""
        while self._inflight:
            _, pending = await asyncio.wait(set(self._inflight), timeout=timeout)
            if pending:
                return

    async def close(self) -> None:
        """Stop recovering; finish the events in flight (up to 10 s)."""
        if self._recovery is not None:
            self._recovery.cancel()
            await asyncio.gather(self._recovery, return_exceptions=True)
            self._recovery = None
        if self._inflight:
            log.info("waiting for events in flight",
                     extra={"platform": self._platform, "count": len(self._inflight)})  # fmt: skip
            await self.settled(timeout=10)
