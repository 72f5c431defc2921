"""Engines: SQLite pragmas, PostgreSQL pool and timeouts; one code path for both.

SQLAlchemy is used synchronously; async callers (the bot's aiohttp handlers and the
scheduler) run use cases in a worker thread.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

CONNECT_TIMEOUT_SECONDS = 5


class DatabaseUrlError(ValueError):
    """The database URL cannot be used; the message says why and never repeats the URL
    (it may hold a password)."""


class DatabaseFileMoved(OSError):
    """The SQLite file a connection writes to is no longer at its path (deleted, or another
    file moved there): SQLite goes on writing into the file it holds open, so every write
    succeeds and is lost at the next start."""


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL points at; None for other databases and in-memory SQLite."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):  # a URI filename (?uri=true): leave it to SQLite
        return None
    return Path(database)


def check_url(url: str) -> str:
    """The normalised URL, or DatabaseUrlError: not a URL, an unsupported database, or a
    SQLite file in a folder that does not exist (SQLite would fail or, worse, a typo
    would go unnoticed)."""
    url = normalise_url(url)
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise DatabaseUrlError(
            "not a database URL (expected sqlite:///PATH or postgresql://HOST/DATABASE)"
        ) from None
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUrlError(
            f"unsupported database '{backend}' (use sqlite:///PATH or postgresql://HOST/DATABASE)"
        )
    path = sqlite_file(url)
    if path is not None and not path.parent.is_dir():
        raise DatabaseUrlError(f"the SQLite file's folder does not exist: {path.parent}")
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use the psycopg 3 driver we ship with."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, pool_size: int = 5, statement_timeout_ms: int | None = None) -> Engine:
    url = check_url(url)
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True)
        # A server that does not answer at all (network gone, not just refused) fails a
        # connect in seconds: readiness turns 503 and clicks get "try again", not a hang.
        connect_args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        if statement_timeout_ms:
            # Keep any `options` already in the URL (e.g. a search_path) and add the timeout.
            existing = make_url(url).query.get("options", "")
            if isinstance(existing, tuple):
                existing = " ".join(existing)
            options = f"{existing} -c statement_timeout={statement_timeout_ms}".strip()
            connect_args["options"] = options
        kwargs["connect_args"] = connect_args
    engine = create_engine(url, **kwargs)
    if is_sqlite(engine):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


SQLITE_BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for another's lock


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    # Let SQLAlchemy control transactions (pysqlite's own BEGIN handling is off).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    files = {name: path for _, name, path in cursor.execute("PRAGMA database_list")}
    cursor.close()
    if files.get("main"):  # not an in-memory database
        found = os.stat(files["main"])
        record.info[_SQLITE_FILE] = (files["main"], found.st_dev, found.st_ino)


_SQLITE_FILE = "gdprbot_sqlite_file"  # the connection record's: (path, device, inode) opened


def check_sqlite_file(connection_info: dict[Any, Any]) -> None:
    """Raise DatabaseFileMoved when the file this connection opened is no longer at its
    path (`connection_info`: a pooled connection's `.info`; other databases pass)."""
    opened = connection_info.get(_SQLITE_FILE)
    if opened is None:
        return
    path, device, inode = opened
    try:
        found = os.stat(path)
    except FileNotFoundError:
        raise DatabaseFileMoved("the SQLite database file is no longer at its path") from None
    if (found.st_dev, found.st_ino) != (device, inode):
        raise DatabaseFileMoved("the SQLite database file is no longer the one opened")


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN so two writers never deadlock upgrading a read lock.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
