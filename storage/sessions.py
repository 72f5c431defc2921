"""Sessions and units of work: `transaction` for use cases, `read_session` for long reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory.begin() as session:
        yield session


@contextmanager
def read_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for reading a consistent snapshot without blocking writers.

    The bot's SQLite engine opens every transaction with BEGIN IMMEDIATE (the write
    lock), which is right for use cases but would stop every confirmation for as long
    as a large report streams. On SQLite the report therefore reads through its own
    connection with a plain (deferred) BEGIN: in WAL mode that is a snapshot that
    writers do not wait for. PostgreSQL reads never block writers anyway; there the
    session is REPEATABLE READ, READ ONLY, so every statement sees the same snapshot
    (under READ COMMITTED the ledger's head row, its chain and a report's figures and rows
    could each see a different moment, and a verify racing an append cry tampering).
    """
    engine = factory.kw.get("bind")
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        if isinstance(engine, Engine) and engine.dialect.name == "postgresql":
            engine = engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with factory(bind=engine) as session:
            yield session
            session.rollback()
        return
    reader = create_engine(
        engine.url, poolclass=NullPool, connect_args={"check_same_thread": False, "timeout": 30}
    )
    event.listen(reader, "connect", _driver_transactions_off)
    event.listen(reader, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    try:
        with Session(reader) as session:
            yield session
            session.rollback()
    finally:
        reader.dispose()


def _driver_transactions_off(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy (our BEGIN) controls transactions
