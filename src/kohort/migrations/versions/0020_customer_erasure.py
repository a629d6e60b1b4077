"""customer erasure

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 14:10:00.000000

When a customer's personal data was erased and by which API key: the merchant's record of a GDPR
erasure, holding no personal data itself.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kohort.models.base

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch_op:
        batch_op.add_column(sa.Column('erased_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('erased_by', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customers') as batch_op:
        batch_op.drop_column('erased_by')
        batch_op.drop_column('erased_at')
