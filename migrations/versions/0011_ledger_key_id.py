"""ledger_entries.key_id: which ledger key (HMAC) made an entry's hash; NULL for unkeyed

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy on SQLite): the append-only triggers stay in place.
    op.add_column("ledger_entries", sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    from routines.ledger.chain import append_only_ddl

    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("key_id")
    bind = op.get_bind()
    for statement in append_only_ddl(bind.dialect.name):  # SQLite's copy lost the triggers
        op.execute(statement)
