"""Card details on payments (brand, last four digits, authorisation code), printed on receipts.

Revision ID: d068adb54194
Revises: 8980206eb1a1
Create Date: 2026-12-01 21:54:10.154357

"""
from alembic import op
import sqlalchemy as sa


revision = 'd068adb54194'
down_revision = '8980206eb1a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_brand', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('card_last4', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('card_authorization', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('card_authorization')
        batch_op.drop_column('card_last4')
        batch_op.drop_column('card_brand')
