"""Sign-in pauses per account and address, instead of one lock on the whole account

Wrong passwords typed anywhere used to lock the account everywhere; now they pause sign-in to that account
from that address only (`auth.lockout`), so the account-wide counter and lock columns go.

Revision ID: 96dc2bea5f75
Revises: d068adb54194
Create Date: 2026-12-01 21:54:08.108428

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '96dc2bea5f75'
down_revision = 'd068adb54194'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('paused_until', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_sign_in_pauses_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_pauses')),
    sa.UniqueConstraint('staff_id', 'address', name='uq_sign_in_pauses_staff_id_address')
    )
    with op.batch_alter_table('sign_in_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_pauses_paused_until'), ['paused_until'], unique=False)

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_login_count')


def downgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_login_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))

    with op.batch_alter_table('sign_in_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_pauses_paused_until'))

    op.drop_table('sign_in_pauses')
