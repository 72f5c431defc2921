"""The schema upgrade runner: bring a database to the newest alembic revision.

SQLite (the embedded default) is upgraded automatically at start. On PostgreSQL every
replica also upgrades at start, but under a session advisory lock, so replicas starting
together run the migrations once and the others wait, then find nothing to do.

Most starts find the schema at head already: `create_schema` sees that with one query
(the `alembic_version` row against the head read from the scripts' `revision` lines)
and skips alembic, whose import and environment cost about 0.2 s of CPU per start.

The revisions themselves ship as the top-level `migrations` package (found by name, as
data: alembic loads its env.py, which knows every table of the application).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from storage.engines import is_postgres, make_engine

if TYPE_CHECKING:
    from alembic.config import Config

# Arbitrary constant shared by every replica: "gdpr" in ASCII.
MIGRATION_LOCK_ID = 0x67647072


def scripts_dir() -> Path:
    """Where the alembic scripts are (the `migrations` package beside this one)."""
    spec = importlib.util.find_spec("migrations")
    if spec is None or spec.origin is None:
        raise RuntimeError("the `migrations` package is not installed beside `storage`")
    return Path(spec.origin).parent


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(scripts_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)


def script_head() -> str | None:
    """The head revision read from the scripts' `revision` / `down_revision` lines, without
    alembic; None unless there is exactly one (then `head_revision` decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (scripts_dir() / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if found := _REVISION.search(source):
            revisions.add(found.group(1))
            parents.update(_DOWN.findall(source))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def at_head(engine: Engine) -> bool:
    """The database's one `alembic_version` row is the scripts' head (one cheap query; a
    database that cannot be reached raises here as it would in `upgrade`)."""
    head = script_head()
    if head is None:
        return False
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(versions) == [head]


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (idempotent; safe with several replicas)."""
    with engine.connect() as conn:
        if is_postgres(engine):
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            conn.commit()
        try:
            from alembic import command

            command.upgrade(alembic_config(conn), "head")
            conn.commit()
        finally:
            if is_postgres(engine):
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
                conn.commit()


def upgrade_within(connection: Connection) -> None:
    """Apply pending migrations inside the connection's open transaction (a rehearsal:
    rolled back with it, so no lock and no commit here)."""
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


def create_schema(engine: Engine) -> None:
    """Bring a database to the current schema (every pending migration; see `upgrade`).

    At head already: nothing to run, but the table modules are imported all the same, as
    alembic's env.py would (`migrations.models`, loaded by name like the scripts), so
    every table the schema has is in `Base.metadata` whichever way this returns."""
    if at_head(engine):
        importlib.import_module("migrations.models").import_models()
        return
    upgrade(engine)


def engine_from_url(
    url: str, *, pool_size: int = 5, statement_timeout_ms: int | None = None
) -> Engine:
    return make_engine(url, pool_size=pool_size, statement_timeout_ms=statement_timeout_ms)
