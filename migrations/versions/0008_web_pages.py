"""web pages: sign-in links, sessions, and the covering index of the overview's aggregates

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_signin_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_key', sa.String(length=32), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_web_signin_links'))
    )
    with op.batch_alter_table('web_signin_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_signin_links_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_signin_links_person_key'), ['person_key'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('person_key', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_sessions'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_person_key'), ['person_key'], unique=False)

    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.create_index('ix_occurrences_dashboard', ['scheduled_date', 'status', 'due_date', 'routine_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_index('ix_occurrences_dashboard')

    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_person_key'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_expires_at'))

    op.drop_table('web_sessions')
    with op.batch_alter_table('web_signin_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_signin_links_person_key'))
        batch_op.drop_index(batch_op.f('ix_web_signin_links_expires_at'))

    op.drop_table('web_signin_links')
