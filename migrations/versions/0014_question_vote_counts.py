"""question log: 👍/👎 counts per answer instead of one vote per question

Votes count once per person per answer; who voted is not stored (a keyed, short-lived
dedupe key in handled_events). An existing vote becomes a count of one.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('question_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('up_votes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('down_votes', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE question_log SET up_votes = 1 WHERE vote = 'up'")
    op.execute("UPDATE question_log SET down_votes = 1 WHERE vote = 'down'")
    with op.batch_alter_table('question_log', schema=None) as batch_op:
        batch_op.drop_column('vote')


def downgrade() -> None:
    with op.batch_alter_table('question_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote', sa.String(length=4), nullable=True))
    op.execute(
        "UPDATE question_log SET vote = CASE WHEN down_votes > 0 THEN 'down' "
        "WHEN up_votes > 0 THEN 'up' END"
    )
    with op.batch_alter_table('question_log', schema=None) as batch_op:
        batch_op.drop_column('down_votes')
        batch_op.drop_column('up_votes')
