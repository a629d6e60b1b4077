"""orders keep their line items and return urls

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:00:00.000000

The shop plugins report orders as the original's checkout sessions, with line items and (Magento) the
shop's success and cancel URLs; the order keeps them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line_items', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                                      nullable=True))
        batch_op.add_column(sa.Column('success_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('cancel_url', sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('cancel_url')
        batch_op.drop_column('success_url')
        batch_op.drop_column('line_items')
