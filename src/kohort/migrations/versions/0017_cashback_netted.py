"""cashback netted against receivables

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 14:00:00.000000

What part of an order's cashback went to pay back what its shopper owed this merchant (a receivable left
by a refund after payout), deducted when the cashback was released: `amount_cashback` is what the shopper
can still withdraw, `amount_cashback + cashback_netted` what the order earned.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cashback_netted', sa.BigInteger(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('cashback_netted')
