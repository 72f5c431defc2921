"""Build the engine from settings and bring the schema up to date with alembic.

SQLite (the embedded default) is upgraded automatically at start. On PostgreSQL every
replica also upgrades at start, but under a session advisory lock, so replicas starting
together run the migrations once and the others wait, then find nothing to do.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

import migrations
from storage.base import Base
from storage.engines import is_postgres, make_engine

# Arbitrary constant shared by every replica: "gdpr" in ASCII.
MIGRATION_LOCK_ID = 0x67647072


MODEL_MODULES = (
    "storage.people",
    "routines.engine.models",
    "routines.ledger",
    "bot.records.references",
    "bot.records.events",
    "bot.records.questions",
    "bot.records.report_links",
)


def import_models() -> None:
    """Import every module that defines tables, so `Base.metadata` knows them all."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (idempotent; safe with several replicas)."""
    with engine.connect() as conn:
        if is_postgres(engine):
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            conn.commit()
        try:
            command.upgrade(alembic_config(conn), "head")
            conn.commit()
        finally:
            if is_postgres(engine):
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
                conn.commit()


def create_schema(engine: Engine) -> None:
    """Bring a database to the current schema: the migrations once they exist, else models."""
    if head_revision() is not None:
        upgrade(engine)
        return
    import_models()
    Base.metadata.create_all(engine)


def engine_from_url(
    url: str, *, pool_size: int = 5, statement_timeout_ms: int | None = None
) -> Engine:
    return make_engine(url, pool_size=pool_size, statement_timeout_ms=statement_timeout_ms)
