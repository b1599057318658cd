"""Patient accounts (deposits, credit, applied, refunded as entries), four-eyes approval requests, and
statement emails in the outbox (about a patient and a period rather than one invoice).

Revision ID: 8980206eb1a1
Revises: e33750dfbe60
Create Date: 2026-12-01 22:30:51.001823

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8980206eb1a1'
down_revision = 'e33750dfbe60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('approval_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_via', sa.String(length=10), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.CheckConstraint("action IN ('void_invoice', 'refund_payment', 'refund_deposit', 'discount')", name=op.f('ck_approval_requests_action')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_approval_requests_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff.id'], name=op.f('fk_approval_requests_decided_by_id_staff')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_approval_requests_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_approval_requests_patient_id_patients')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['staff.id'], name=op.f('fk_approval_requests_requested_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_requests')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_approval_requests_submission_key'))
    )
    with op.batch_alter_table('approval_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_requests_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_requests_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_approval_requests_status_created_at', ['status', 'created_at'], unique=False)

    op.create_table('account_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('approval_id', sa.Integer(), nullable=True),
    sa.Column('shift_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.Column('print_count', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('deposit', 'credit', 'applied', 'refund')", name=op.f('ck_account_entries_kind')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_account_entries_amount_positive')),
    sa.ForeignKeyConstraint(['approval_id'], ['approval_requests.id'], name=op.f('fk_account_entries_approval_id_approval_requests')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_account_entries_created_by_id_staff')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_account_entries_patient_id_patients')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_account_entries_payment_id_payments')),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_account_entries_shift_id_shifts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_entries')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_account_entries_payment_id')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_account_entries_submission_key'))
    )
    with op.batch_alter_table('account_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_entries_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_account_entries_patient_id_created_at', ['patient_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_entries_shift_id'), ['shift_id'], unique=False)

    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patient_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('statement_currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('statement_first', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('statement_last', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_email_outbox_patient_id'), ['patient_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_email_outbox_patient_id_patients'), 'patients', ['patient_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_email_outbox_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_email_outbox_kind'),
                                         "kind IN ('invoice', 'receipt', 'reminder', 'statement', 'reconciliation')")
    # Rows written before this revision that are about an invoice name its patient too.
    op.execute("UPDATE email_outbox SET patient_id = "
               "(SELECT invoices.patient_id FROM invoices WHERE invoices.id = email_outbox.invoice_id)")



def downgrade():
    op.execute("DELETE FROM email_outbox WHERE kind = 'statement'")
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_email_outbox_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_email_outbox_kind'), "kind IN ('invoice', 'receipt', 'reminder', 'reconciliation')")
        batch_op.drop_constraint(batch_op.f('fk_email_outbox_patient_id_patients'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_email_outbox_patient_id'))
        batch_op.drop_column('statement_last')
        batch_op.drop_column('statement_first')
        batch_op.drop_column('statement_currency')
        batch_op.drop_column('patient_id')

    with op.batch_alter_table('account_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_entries_shift_id'))
        batch_op.drop_index('ix_account_entries_patient_id_created_at')
        batch_op.drop_index(batch_op.f('ix_account_entries_created_at'))

    op.drop_table('account_entries')
    with op.batch_alter_table('approval_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_requests_status_created_at')
        batch_op.drop_index(batch_op.f('ix_approval_requests_patient_id'))
        batch_op.drop_index(batch_op.f('ix_approval_requests_invoice_id'))

    op.drop_table('approval_requests')
