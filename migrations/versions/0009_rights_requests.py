"""rights-request register: one row per data-subject request, no caller data

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rights_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("client_ref", sa.String(length=64), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("forward_by", sa.Date(), nullable=False),
        sa.Column("respond_by", sa.Date(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=32), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("forwarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forwarded_by", sa.String(length=32), nullable=True),
        sa.Column("forwarded_via", sa.String(length=16), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("stage_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_requests")),
        sa.UniqueConstraint("code", name=op.f("uq_rights_requests_code")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_rights_requests_dedupe_key")),
    )
    with op.batch_alter_table("rights_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rights_requests_client_received", ["client_id", "received_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rights_requests_forward_by"), ["forward_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rights_requests_forwarded_at"), ["forwarded_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rights_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_requests_forwarded_at"))
        batch_op.drop_index(batch_op.f("ix_rights_requests_forward_by"))
        batch_op.drop_index("ix_rights_requests_client_received")

    op.drop_table("rights_requests")
