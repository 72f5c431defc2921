"""The schema upgrade runner: bring a database to the newest alembic revision.

SQLite (the embedded default) is upgraded automatically at start. On PostgreSQL every
replica also upgrades at start, but under a session advisory lock, so replicas starting
together run the migrations once and the others wait, then find nothing to do.

The revisions themselves ship as the top-level `migrations` package (found by name, as
data: alembic loads its env.py, which knows every table of the application).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from storage.engines import is_postgres, make_engine

# Arbitrary constant shared by every replica: "gdpr" in ASCII.
MIGRATION_LOCK_ID = 0x67647072


def scripts_dir() -> Path:
    """Where the alembic scripts are (the `migrations` package beside this one)."""
    spec = importlib.util.find_spec("migrations")
    if spec is None or spec.origin is None:
        raise RuntimeError("the `migrations` package is not installed beside `storage`")
    return Path(spec.origin).parent


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(scripts_dir()))
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


def upgrade_within(connection: Connection) -> None:
    """Apply pending migrations inside the connection's open transaction (a rehearsal:
    rolled back with it, so no lock and no commit here)."""
    command.upgrade(alembic_config(connection), "head")


def create_schema(engine: Engine) -> None:
    """Bring a database to the current schema (every pending migration; see `upgrade`)."""
    upgrade(engine)


def engine_from_url(
    url: str, *, pool_size: int = 5, statement_timeout_ms: int | None = None
) -> Engine:
    return make_engine(url, pool_size=pool_size, statement_timeout_ms=statement_timeout_ms)
