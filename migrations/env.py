"""Alembic environment: runs against the connection `storage.migrate.upgrade` hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from migrations.models import import_models
from storage.base import Base

import_models()
target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    # `alembic` CLI use (e.g. revision --autogenerate): build an engine from the URL.
    from storage.engines import make_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///gdpr-bot.db"
    engine = make_engine(url)
    with engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()
else:
    run_migrations(connection)
