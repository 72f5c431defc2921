"""Shared by the Slack and Teams inbox tests: hold a front end's inbox work, read the
inbox table, and store an event the way a process that then died would have."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.inbox_worker import InboxWorker
from bot.config import Settings
from bot.records.inbox import InboxRow, InboxStore
from storage.clock import utc_now
from storage.engines import make_engine
from storage.migrate import create_schema
from storage.sessions import session_factory


def stored_rows(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    """(platform, kind) of every event in the inbox."""
    with sessions() as session:
        return [(row.platform, row.kind) for row in session.scalars(select(InboxRow))]


def hold_work(worker: InboxWorker | None) -> asyncio.Event:
    """Make the worker wait for the returned event before working on anything."""
    assert worker is not None, "the front end has no inbox"
    release = asyncio.Event()
    work: Callable[[str, str, bool], Awaitable[None]] = worker._work

    async def held(*args: Any) -> None:
        await release.wait()
        await work(*args)

    worker._work = held
    return release


async def stored_by_a_dead_process(
    settings: Settings, platform: str, key: str, kind: str, body: str
) -> None:
    """Store `body` with its claim two leases ago, and never work on it."""
    engine = make_engine(settings.database_url)
    try:
        create_schema(engine)
        dead = InboxStore(session_factory(engine), lease_seconds=settings.inbox_lease_seconds)
        long_ago = utc_now() - timedelta(seconds=settings.inbox_lease_seconds * 2)
        assert await dead.accept(platform, key, kind, body, long_ago) is not None
    finally:
        engine.dispose()
