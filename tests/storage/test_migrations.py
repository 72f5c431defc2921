"""The alembic migrations are the schema: they match the models and make the ledger append-only."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from migrations.models import import_models
from storage import migrate
from storage.base import Base
from storage.engines import make_engine
from storage.migrate import create_schema, current_revision, head_revision, script_head, upgrade


@pytest.fixture
def migrated(database_url: str) -> Engine:
    engine = make_engine(database_url)
    upgrade(engine)
    return engine


def test_upgrade_reaches_the_newest_revision(migrated: Engine) -> None:
    assert current_revision(migrated) == head_revision()


def test_migrated_schema_matches_the_models(migrated: Engine) -> None:
    import_models()
    with migrated.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_the_head_read_from_the_scripts_is_alembics_head() -> None:
    assert script_head() == head_revision()


def test_a_database_at_head_starts_without_running_alembic(
    migrated: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_: Engine) -> None:
        raise AssertionError("alembic ran on a database at head")

    monkeypatch.setattr(migrate, "upgrade", refuse)
    create_schema(migrated)


def test_a_database_behind_head_is_upgraded_by_alembic(
    migrated: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with migrated.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    upgraded: list[Engine] = []
    monkeypatch.setattr(migrate, "upgrade", upgraded.append)
    create_schema(migrated)
    assert upgraded == [migrated]


def test_a_new_database_is_created_at_head(database_url: str) -> None:
    engine = make_engine(database_url)
    create_schema(engine)
    assert current_revision(engine) == head_revision()


def test_upgrade_twice_is_a_no_op(migrated: Engine) -> None:
    upgrade(migrated)
    assert current_revision(migrated) == head_revision()


def test_migrated_ledger_starts_at_the_genesis_head(migrated: Engine) -> None:
    with migrated.connect() as conn:
        seq, head = conn.execute(text("SELECT seq, hash FROM ledger_head")).one()
    assert (seq, head) == (0, "0" * 64)


def test_migrated_ledger_rejects_update_and_delete(migrated: Engine) -> None:
    with migrated.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entries (seq, event, payload, prev_hash, hash, created_at) "
                "VALUES (1, 'test', '{}', :z, :h, CURRENT_TIMESTAMP)"
            ),
            {"z": "0" * 64, "h": "1" * 64},
        )
    for statement in ("UPDATE ledger_entries SET payload = '[]'", "DELETE FROM ledger_entries"):
        with pytest.raises(DBAPIError, match="append-only"), migrated.begin() as conn:
            conn.execute(text(statement))
