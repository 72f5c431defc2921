"""`GDPRBOT_DATABASE_URL=postgresql...`: pool and statement timeout from settings are
applied, and the CLI works on PostgreSQL as it does on SQLite."""

from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from bot.config import Settings
from storage.migrate import engine_from_url
from testing.scale.cluster import gdpr_bot_command

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("scale")]


def test_pool_size_statement_timeout_and_search_path_come_from_settings(scale_url: str) -> None:
    settings = Settings(database_url=scale_url, db_pool_size=3, db_statement_timeout_ms=1234)
    engine = engine_from_url(
        settings.database_url,
        pool_size=settings.db_pool_size,
        statement_timeout_ms=settings.db_statement_timeout_ms,
    )
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SHOW statement_timeout")) == "1234ms"
            assert str(conn.scalar(text("SELECT current_schema()"))).startswith("t_")
        assert isinstance(engine.pool, QueuePool)
        assert engine.pool.size() == 3
        assert engine.pool._pre_ping
    finally:
        engine.dispose()


def test_a_statement_over_the_timeout_is_cancelled(scale_url: str) -> None:
    engine = engine_from_url(scale_url, statement_timeout_ms=200)
    try:
        with engine.connect() as conn, pytest.raises(Exception, match="statement timeout"):
            conn.execute(text("SELECT pg_sleep(2)"))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "command",
    [
        ["db", "status"],
        ["db", "upgrade"],
        ["routines", "run-due"],
        ["audit", "verify"],
        ["report", "--period", "2026", "--format", "json"],
    ],
)
def test_cli_commands_work_on_a_plain_postgresql_url(scale_url: str, command: list[str]) -> None:
    plain = scale_url.replace("postgresql+psycopg://", "postgresql://")
    env = {**os.environ, "GDPRBOT_DATABASE_URL": plain}
    done = subprocess.run(
        [*gdpr_bot_command(), *command], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
