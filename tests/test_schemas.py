"""The schemas behind `engine` on PostgreSQL (tests/schemas.py): a schema a test gave back
is lent again, under a new name, as a freshly migrated one would be; one whose structure a
test changed is dropped instead."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, create_engine, text

from routines import ledger
from storage.engines import make_engine
from storage.migrate import create_schema
from storage.sessions import session_factory, transaction
from tests.schemas import SchemaPool, fingerprint, schema_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def admin(postgres_admin_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_admin_url)
    yield engine
    engine.dispose()


def contents(conn: Connection, schema: str) -> dict[str, object]:
    """Every table's rows and every sequence's state."""
    tables = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"), {"s": schema}
    ).scalars()
    found: dict[str, object] = {
        table: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{schema}"."{table}"'))))
        for table in tables
    }
    found["sequences"] = conn.execute(
        text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = :s ORDER BY 1"),
        {"s": schema},
    ).all()
    return found


def use(url: str) -> None:
    """What a test does: rows in several tables, the ledger's chain and sequences moved."""
    engine = make_engine(url)
    try:
        create_schema(engine)
        with transaction(session_factory(engine)) as session:
            ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": 1}, datetime.now(UTC))
    finally:
        engine.dispose()


def test_a_schema_given_back_is_lent_again_as_freshly_migrated(
    schema_pool: SchemaPool, admin: Engine, postgres_admin_url: str, postgres_url: str
) -> None:
    fresh = postgres_url.rsplit("%3D", 1)[1]
    migrated = make_engine(postgres_url)
    create_schema(migrated)
    migrated.dispose()
    used = schema_pool.lend()
    use(schema_url(postgres_admin_url, used))
    schema_pool.take_back(used)
    renamed = schema_pool.free[-1]

    again = schema_pool.lend()
    try:
        assert again == renamed != used
        with admin.connect() as conn:
            assert fingerprint(conn, again) == fingerprint(conn, fresh)
            assert contents(conn, again) == contents(conn, fresh)
    finally:
        schema_pool.take_back(again)


@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE {s}.ledger_entries DISABLE TRIGGER USER",
        "GRANT SELECT ON {s}.ledger_entries TO PUBLIC",
        "ALTER TABLE {s}.ledger_entries ADD COLUMN extra integer",
        "CREATE TABLE {s}.extra (id integer)",
        "CREATE FUNCTION {s}.extra() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
    ],
    ids=["trigger disabled", "grant", "column added", "table added", "function added"],
)
def test_a_schema_whose_structure_a_test_changed_is_dropped_not_lent_again(
    schema_pool: SchemaPool, admin: Engine, change: str
) -> None:
    used = schema_pool.lend()
    with admin.begin() as conn:
        conn.execute(text(change.format(s=f'"{used}"')))
        table = conn.execute(text(f"SELECT '\"{used}\".ledger_entries'::regclass::oid")).scalar()
    free = list(schema_pool.free)

    schema_pool.take_back(used)

    assert schema_pool.free == free
    with admin.connect() as conn:  # nor kept under another name
        kept = conn.execute(text(f"SELECT count(*) FROM pg_class WHERE oid = {table}")).scalar()
    assert kept == 0
