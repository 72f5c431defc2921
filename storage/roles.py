"""PostgreSQL roles for evidence: an owner role runs migrations, the bot runs as an
application role that cannot rewrite the ledger.

The append-only triggers on `ledger_entries` stop UPDATE, DELETE and TRUNCATE, but a role
that owns the table can simply disable them (`ALTER TABLE ... DISABLE TRIGGER`). So the
tables are owned by an owner role that only migrations use (`gdpr-bot db upgrade`, run
with the owner in GDPRBOT_DATABASE_URL), and the bot connects as an application role
granted only what it needs: on `ledger_entries` INSERT and SELECT and nothing else; on
`ledger_head` SELECT and UPDATE (its one row is never removed or added after the migration);
on every other table of the schema SELECT, INSERT, UPDATE, DELETE; its sequences (UPDATE:
a dry run puts back the ids it drew, storage/rehearsal.py).
`grant_app_role` (`gdpr-bot db upgrade --app-role ROLE`, or `gdpr-bot db grant ROLE`)
makes these grants; `ledger_owned_by_current_user` lets `db status` warn.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

LEDGER_TABLE = "ledger_entries"
HEAD_TABLE = "ledger_head"
_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class RoleError(ValueError):
    """A role name that is not a plain identifier, or not a PostgreSQL database."""


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """Grant `role` what the bot needs and no more (idempotent); the statements run."""
    if engine.dialect.name != "postgresql":
        raise RoleError("database roles exist on PostgreSQL only (SQLite has no users)")
    if not _ROLE_NAME.match(role):
        raise RoleError(f"not a plain role name: {role!r}")
    quoted = f'"{role}"'
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        tables = (
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
                {"s": schema},
            )
            .scalars()
            .all()
        )
        statements = [f'GRANT USAGE ON SCHEMA "{schema}" TO {quoted}']
        for table in tables:
            name = f'"{schema}"."{table}"'
            statements.append(f"REVOKE ALL ON {name} FROM {quoted}")
            rights = {
                LEDGER_TABLE: "SELECT, INSERT",
                HEAD_TABLE: "SELECT, UPDATE",  # the one row migrations made, moved by appends
            }.get(table, "SELECT, INSERT, UPDATE, DELETE")
            statements.append(f"GRANT {rights} ON {name} TO {quoted}")
        sequences = f'ALL SEQUENCES IN SCHEMA "{schema}"'
        statements.append(f"GRANT USAGE, SELECT, UPDATE ON {sequences} TO {quoted}")
        for statement in statements:
            conn.exec_driver_sql(statement)
    return statements


def ledger_owned_by_current_user(engine: Engine) -> bool:
    """Whether the role the bot connects as owns the ledger (so could disable its triggers)."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        owner = conn.execute(
            text(
                "SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename = :t"
            ),
            {"t": LEDGER_TABLE},
        ).scalar()
        if owner is None:
            return False
        return bool(
            conn.execute(
                text("SELECT pg_has_role(current_user, :owner, 'USAGE')"), {"owner": owner}
            ).scalar()
        )
