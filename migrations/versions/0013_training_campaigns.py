"""training campaigns: quiz attempts and question tallies

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('training_question_tallies',
    sa.Column('question_id', sa.String(length=100), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('asked', sa.Integer(), nullable=False),
    sa.Column('right', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('question_id', 'lang', name=op.f('pk_training_question_tallies'))
    )
    op.create_table('training_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('routine_id', sa.String(length=100), nullable=False),
    sa.Column('person_key', sa.String(length=32), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('questions', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('right', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], name=op.f('fk_training_attempts_occurrence_id_occurrences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_attempts')),
    sa.UniqueConstraint('occurrence_id', 'person_key', 'attempt', name=op.f('uq_training_attempts_occurrence_id_person_key_attempt'))
    )
    with op.batch_alter_table('training_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_attempts_person_key'), ['person_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_attempts_routine_id'), ['routine_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('training_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_attempts_routine_id'))
        batch_op.drop_index(batch_op.f('ix_training_attempts_person_key'))

    op.drop_table('training_attempts')
    op.drop_table('training_question_tallies')
