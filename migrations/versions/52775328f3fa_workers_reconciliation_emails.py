"""The outbox also carries reconciliation reports to administrators: a row may name a run instead of an invoice.

Revision ID: 52775328f3fa
Revises: 6e4dce7fa508
Create Date: 2026-12-01 22:12:26.562586

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '52775328f3fa'
down_revision = '6e4dce7fa508'
branch_labels = None
depends_on = None

KINDS_BEFORE = ("invoice", "receipt", "reminder")
KINDS_AFTER = ("invoice", "receipt", "reminder", "reconciliation")


def upgrade():
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reconciliation_run_id', sa.Integer(), nullable=True))
        batch_op.alter_column('invoice_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_email_outbox_reconciliation_run_id'), ['reconciliation_run_id'], unique=False)
        batch_op.create_unique_constraint('uq_email_outbox_reconciliation_recipient', ['reconciliation_run_id', 'recipient'])
        batch_op.create_foreign_key(batch_op.f('fk_email_outbox_reconciliation_run_id_reconciliation_runs'), 'reconciliation_runs', ['reconciliation_run_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_email_outbox_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_email_outbox_kind'), f"kind IN {KINDS_AFTER!r}")


def downgrade():
    op.execute("DELETE FROM email_outbox WHERE kind = 'reconciliation'")
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_email_outbox_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_email_outbox_kind'), f"kind IN {KINDS_BEFORE!r}")
        batch_op.drop_constraint(batch_op.f('fk_email_outbox_reconciliation_run_id_reconciliation_runs'), type_='foreignkey')
        batch_op.drop_constraint('uq_email_outbox_reconciliation_recipient', type_='unique')
        batch_op.drop_index(batch_op.f('ix_email_outbox_reconciliation_run_id'))
        batch_op.alter_column('invoice_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('reconciliation_run_id')
