"""payouts that need the merchant's attention

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:30:00.000000

A payout that cannot go into a SEPA file is set aside as REQUIRES_ATTENTION (longer than the status
column allowed) with the reason in `attention_reason`, and the batch is built from the others.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=10), type_=sa.String(length=20),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('attention_reason', sa.String(length=200), nullable=True))


def downgrade() -> None:
    # Set-aside payouts go back to PENDING: the next batch tries them again.
    op.execute("UPDATE payouts SET status = 'PENDING' WHERE status = 'REQUIRES_ATTENTION'")
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_column('attention_reason')
        batch_op.alter_column('status', existing_type=sa.String(length=20), type_=sa.String(length=10),
                              existing_nullable=False)
