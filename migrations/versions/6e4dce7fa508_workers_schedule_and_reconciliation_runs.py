"""The scheduler's tasks (lease and last run) and stored daily reconciliations.

Revision ID: 6e4dce7fa508
Revises: 5c5e3fc97bf1
Create Date: 2026-12-01 21:54:46.389009

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e4dce7fa508'
down_revision = '5c5e3fc97bf1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduled_tasks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_started_at', sa.DateTime(), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(), nullable=True),
    sa.Column('last_ok', sa.Boolean(), nullable=True),
    sa.Column('last_summary', sa.Text(), nullable=True),
    sa.Column('lease_holder', sa.String(length=120), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduled_tasks'))
    )
    op.create_table('reconciliation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('ours', sa.Integer(), nullable=False),
    sa.Column('theirs', sa.Integer(), nullable=False),
    sa.Column('verified', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.Column('differences', sa.JSON(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['started_by_id'], ['staff.id'], name=op.f('fk_reconciliation_runs_started_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_runs'))
    )
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_runs_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconciliation_runs_started_at'), ['started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('reconciliation_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_runs_started_at'))
        batch_op.drop_index(batch_op.f('ix_reconciliation_runs_day'))

    op.drop_table('reconciliation_runs')
    op.drop_table('scheduled_tasks')
