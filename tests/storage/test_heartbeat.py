"""The heartbeat write behind /readyz: bounded waiting for a lock another process holds,
so a locked database is "not ready" at once (SQLite's usual wait is 30 s)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from storage.engines import SQLITE_BUSY_TIMEOUT_MS, DatabaseFileMoved, sqlite_file
from storage.heartbeat import beat

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def lock_wait_during_the_write(engine: Engine, **kwargs: Any) -> str:
    """The lock wait in force when the heartbeat row is written."""
    seen: list[str] = []
    show = "PRAGMA busy_timeout" if engine.dialect.name == "sqlite" else "SHOW lock_timeout"

    def spy(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO HEARTBEATS"):
            probe = conn.connection.cursor()
            probe.execute(show)
            seen.append(str(probe.fetchone()[0]))
            probe.close()

    event.listen(engine, "before_cursor_execute", spy)
    try:
        beat(engine, NOW, host="probe", **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    return seen[0]


def test_a_bounded_beat_waits_only_that_long_for_a_lock(engine: Engine) -> None:
    assert lock_wait_during_the_write(engine, wait=0.25) in ("250", "250ms")


def test_an_unbounded_beat_keeps_the_usual_wait(engine: Engine) -> None:
    wait = lock_wait_during_the_write(engine)
    assert wait == (str(SQLITE_BUSY_TIMEOUT_MS) if engine.dialect.name == "sqlite" else "0")


def test_the_connection_goes_back_to_the_pool_with_the_usual_wait(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SET LOCAL ends with the transaction")
    beat(engine, NOW, host="probe", wait=0.25)
    assert lock_wait_during_the_write(engine) == str(SQLITE_BUSY_TIMEOUT_MS)


def test_a_database_locked_by_another_process_fails_the_bounded_beat(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("a SQLite file lock")
    path = sqlite_file(str(engine.url))
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            beat(engine, NOW, host="probe", wait=0.05)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    beat(engine, NOW, host="probe", wait=0.05)  # and writes again once it is released


def sqlite_path_of(engine: Engine) -> Path:
    if engine.dialect.name != "sqlite":
        pytest.skip("a SQLite file")
    path = sqlite_file(str(engine.url))
    assert path is not None
    return Path(path)


def test_a_database_file_deleted_under_the_running_bot_fails_the_beat(engine: Engine) -> None:
    # SQLite keeps writing into the unlinked file: every write "succeeds" and is gone at
    # the next start, so the write check has to look at the path, not only the write.
    path = sqlite_path_of(engine)
    beat(engine, NOW, host="probe")
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        file.unlink(missing_ok=True)
    with pytest.raises(DatabaseFileMoved, match="no longer"):
        beat(engine, NOW, host="probe")


def test_a_database_file_replaced_under_the_running_bot_fails_the_beat(engine: Engine) -> None:
    path = sqlite_path_of(engine)
    beat(engine, NOW, host="probe")
    copy = path.with_name("copy.db")
    shutil.copyfile(path, copy)
    os.replace(copy, path)  # e.g. a restore moved into place while the bot runs
    with pytest.raises(DatabaseFileMoved, match="no longer"):
        beat(engine, NOW, host="probe")
