"""refunds and the cashback hold

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:45:00.000000

Refunds of orders (an order's `amount_refunded`, the fee rate it joined with), and the holding period
between a group's completion and its cashback becoming withdrawable (settings, the group's copy, and
when each group's and order's cashback is released).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kohort.models.base

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'refunds',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('organization_id', sa.String(length=40), nullable=False),
        sa.Column('livemode', sa.Boolean(), nullable=False),
        sa.Column('order_id', sa.String(length=40), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.Column('client_reference_id', sa.String(length=100), nullable=True),
        sa.Column('stage', sa.String(length=12), nullable=False),
        sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_refunds_order_id_orders')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_refunds_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    )
    op.create_index('uq_refunds_tenant_client_reference', 'refunds',
                    ['organization_id', 'livemode', 'client_reference_id'], unique=True)
    op.create_index('ix_refunds_tenant_created', 'refunds', ['organization_id', 'livemode', 'created_at'])
    op.create_index('ix_refunds_order', 'refunds', ['order_id', 'created_at'])
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_refunded', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('application_fee_basis_points', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cashback_available_at', kohort.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('payment_groups', schema=None) as batch_op:
        # Groups settled before the hold existed released their cashback at completion.
        batch_op.add_column(sa.Column('cashback_hold_days', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('cashback_available_at', kohort.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('cashback_released_at', kohort.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_payment_groups_hold_end', ['cashback_released_at', 'cashback_available_at'])
    op.execute("UPDATE payment_groups SET cashback_available_at = completed_at, cashback_released_at = completed_at"
               " WHERE status = 'COMPLETED'")
    with op.batch_alter_table('group_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cashback_hold_days', sa.Integer(), nullable=False, server_default='14'))


def downgrade() -> None:
    with op.batch_alter_table('group_settings', schema=None) as batch_op:
        batch_op.drop_column('cashback_hold_days')
    # Held cashback is released: the schema without a hold has no other place for it.
    op.execute("UPDATE orders SET status = 'CASHBACK_AVAILABLE' WHERE status = 'CASHBACK_PENDING'")
    with op.batch_alter_table('payment_groups', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_groups_hold_end')
        batch_op.drop_column('cashback_released_at')
        batch_op.drop_column('cashback_available_at')
        batch_op.drop_column('cashback_hold_days')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('cashback_available_at')
        batch_op.drop_column('application_fee_basis_points')
        batch_op.drop_column('amount_refunded')
    op.drop_index('ix_refunds_order', table_name='refunds')
    op.drop_index('ix_refunds_tenant_created', table_name='refunds')
    op.drop_index('uq_refunds_tenant_client_reference', table_name='refunds')
    op.drop_table('refunds')
