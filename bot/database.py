"""Build the engine from settings and bring the schema up to date."""

from __future__ import annotations

from sqlalchemy import Engine

from routines.db import Base, make_engine


def import_models() -> None:
    """Import every module that defines tables, so `Base.metadata` knows them all."""
    import bot.conversation_refs  # noqa: F401
    import bot.event_dedupe  # noqa: F401
    import bot.question_log  # noqa: F401
    import routines.ledger  # noqa: F401
    import routines.models  # noqa: F401
    import routines.people  # noqa: F401


def create_schema(engine: Engine) -> None:
    """Create every table (temporary until the alembic baseline lands; same call site)."""
    import_models()
    Base.metadata.create_all(engine)


def engine_from_url(url: str, *, pool_size: int = 5, statement_timeout_ms: int | None = None) -> Engine:
    return make_engine(url, pool_size=pool_size, statement_timeout_ms=statement_timeout_ms)
