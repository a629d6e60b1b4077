"""rate limit counters

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 11:40:00.000000

Counters of the rate limits, shared by every server process on PostgreSQL (SQLite keeps them in the
process; Redis when it is configured).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kohort.models.base

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rate_limit_counters',
        sa.Column('bucket', sa.String(length=200), nullable=False),
        sa.Column('window', sa.BigInteger(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('bucket', name=op.f('pk_rate_limit_counters')),
    )
    op.create_index('ix_rate_limit_counters_expires_at', 'rate_limit_counters', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rate_limit_counters_expires_at', table_name='rate_limit_counters')
    op.drop_table('rate_limit_counters')
