"""daily figures

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 14:20:00.000000

The home page's per-day totals of the days that are over, filled as the figures are first read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kohort.models.base

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'daily_figures',
        sa.Column('organization_id', sa.String(length=40), nullable=False),
        sa.Column('livemode', sa.Boolean(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('orders', sa.BigInteger(), nullable=False),
        sa.Column('orders_amount', sa.BigInteger(), nullable=False),
        sa.Column('referred_orders', sa.BigInteger(), nullable=False),
        sa.Column('referred_amount', sa.BigInteger(), nullable=False),
        sa.Column('cashback_expense', sa.BigInteger(), nullable=False),
        sa.Column('fee_expense', sa.BigInteger(), nullable=False),
        sa.Column('merchant_funds', sa.BigInteger(), nullable=False),
        sa.Column('computed_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_daily_figures_organization_id_organizations')),
        sa.PrimaryKeyConstraint('organization_id', 'livemode', 'day', name=op.f('pk_daily_figures')),
    )


def downgrade() -> None:
    op.drop_table('daily_figures')
