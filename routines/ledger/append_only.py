"""The statements that make the database itself reject UPDATE, DELETE and TRUNCATE on
`ledger_entries` (triggers), and their inverse. `routines.ledger.chain` installs them when
the table is created; the alembic migrations use them too."""

from __future__ import annotations

__all__ = ["append_only_ddl", "drop_append_only_ddl"]

_REJECT = "ledger_entries is append-only"


def append_only_ddl(dialect: str) -> list[str]:
    """Statements that make the database reject UPDATE and DELETE on `ledger_entries`.

    Used by `create_schema` (after_create listener) and by the alembic migration.
    """
    if dialect == "sqlite":
        return [
            "CREATE TRIGGER IF NOT EXISTS ledger_entries_no_update BEFORE UPDATE "
            f"ON ledger_entries BEGIN SELECT RAISE(ABORT, '{_REJECT}'); END",
            "CREATE TRIGGER IF NOT EXISTS ledger_entries_no_delete BEFORE DELETE "
            f"ON ledger_entries BEGIN SELECT RAISE(ABORT, '{_REJECT}'); END",
        ]
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION ledger_entries_reject() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION USING MESSAGE = '{_REJECT}: ' || TG_OP || ' rejected', "
            "ERRCODE = 'insufficient_privilege'; END; $$",
            "DROP TRIGGER IF EXISTS ledger_entries_no_update_delete ON ledger_entries",
            "CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE "
            "ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_entries_reject()",
            "DROP TRIGGER IF EXISTS ledger_entries_no_truncate ON ledger_entries",
            "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE "
            "ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_reject()",
        ]
    raise ValueError(f"no append-only triggers for dialect {dialect!r}")


def drop_append_only_ddl(dialect: str) -> list[str]:
    """The inverse of `append_only_ddl` (alembic downgrade; tamper tests)."""
    if dialect == "sqlite":
        return [
            "DROP TRIGGER IF EXISTS ledger_entries_no_update",
            "DROP TRIGGER IF EXISTS ledger_entries_no_delete",
        ]
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS ledger_entries_no_update_delete ON ledger_entries",
            "DROP TRIGGER IF EXISTS ledger_entries_no_truncate ON ledger_entries",
            "DROP FUNCTION IF EXISTS ledger_entries_reject()",
        ]
    raise ValueError(f"no append-only triggers for dialect {dialect!r}")
