"""foundation: organizations, keys, settings, customers, groups, orders

Revision ID: 0001
Revises: 
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import kohort.models.base

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organizations',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('api_version', sa.String(length=10), nullable=False),
    sa.Column('acquisition_fee_basis_points', sa.Integer(), nullable=False),
    sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('preview', sa.String(length=20), nullable=False),
    sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_api_keys_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_organization_id'), ['organization_id'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('email_address', sa.String(length=255), nullable=False),
    sa.Column('email_key', sa.String(length=255), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('phone_number', sa.String(length=40), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('is_blocked', sa.Boolean(), nullable=False),
    sa.Column('blocked_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('blocked_by', sa.String(length=40), nullable=True),
    sa.Column('client_reference_id', sa.String(length=100), nullable=True),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.Column('updated_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=True),
    sa.Column('deleted_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_customers_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_tenant_created', ['organization_id', 'livemode', 'created_at'], unique=False)
        batch_op.create_index('uq_customers_tenant_email', ['organization_id', 'livemode', 'email_key'], unique=True)

    op.create_table('group_settings',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('discount_type', sa.String(length=12), nullable=False),
    sa.Column('discount_levels', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('max_participants', sa.Integer(), nullable=False),
    sa.Column('minutes_duration', sa.Integer(), nullable=False),
    sa.Column('min_purchase_value', sa.BigInteger(), nullable=False),
    sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_group_settings_organization_id_organizations')),
    sa.PrimaryKeyConstraint('organization_id', 'livemode', name=op.f('pk_group_settings')),
    sa.UniqueConstraint('id', name=op.f('uq_group_settings_id'))
    )
    op.create_table('payment_groups',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('share_id', sa.String(length=40), nullable=False),
    sa.Column('share_key', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=False),
    sa.Column('creator_email', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('expires_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('mid_expire_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('j_minus2_expire_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('j_plus3_start_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminder_email_sent', sa.String(length=24), nullable=False),
    sa.Column('canceled_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('participant_count', sa.Integer(), nullable=False),
    sa.Column('settings_id', sa.String(length=40), nullable=False),
    sa.Column('discount_type', sa.String(length=12), nullable=False),
    sa.Column('discount_levels', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('max_participants', sa.Integer(), nullable=False),
    sa.Column('minutes_duration', sa.Integer(), nullable=False),
    sa.Column('min_purchase_value', sa.BigInteger(), nullable=False),
    sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.Column('updated_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_payment_groups_customer_id_customers')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_payment_groups_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_groups')),
    sa.UniqueConstraint('share_key', name=op.f('uq_payment_groups_share_key'))
    )
    with op.batch_alter_table('payment_groups', schema=None) as batch_op:
        batch_op.create_index('ix_payment_groups_status_expires', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_payment_groups_tenant_created', ['organization_id', 'livemode', 'created_at'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('amount_cashback', sa.BigInteger(), nullable=True),
    sa.Column('application_fee_amount', sa.BigInteger(), nullable=False),
    sa.Column('customer_email', sa.String(length=255), nullable=True),
    sa.Column('customer_first_name', sa.String(length=100), nullable=True),
    sa.Column('customer_last_name', sa.String(length=100), nullable=True),
    sa.Column('customer_phone_number', sa.String(length=40), nullable=True),
    sa.Column('payment_group_share_id', sa.String(length=40), nullable=True),
    sa.Column('customer_id', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('payment_group_id', sa.String(length=40), nullable=True),
    sa.Column('ambassador_id', sa.String(length=40), nullable=True),
    sa.Column('client_reference_id', sa.String(length=100), nullable=True),
    sa.Column('risk_level', sa.String(length=8), nullable=False),
    sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.Column('updated_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_orders_customer_id_customers')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_orders_organization_id_organizations')),
    sa.ForeignKeyConstraint(['payment_group_id'], ['payment_groups.id'], name=op.f('fk_orders_payment_group_id_payment_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_group_created', ['payment_group_id', 'created_at'], unique=False)
        batch_op.create_index('ix_orders_tenant_created', ['organization_id', 'livemode', 'created_at'], unique=False)
        batch_op.create_index('uq_orders_group_customer', ['payment_group_id', 'customer_id'], unique=True)
        batch_op.create_index('uq_orders_tenant_client_reference', ['organization_id', 'livemode', 'client_reference_id'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('uq_orders_tenant_client_reference')
        batch_op.drop_index('uq_orders_group_customer')
        batch_op.drop_index('ix_orders_tenant_created')
        batch_op.drop_index('ix_orders_group_created')

    op.drop_table('orders')
    with op.batch_alter_table('payment_groups', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_groups_tenant_created')
        batch_op.drop_index('ix_payment_groups_status_expires')

    op.drop_table('payment_groups')
    op.drop_table('group_settings')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('uq_customers_tenant_email')
        batch_op.drop_index('ix_customers_tenant_created')

    op.drop_table('customers')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_organization_id'))

    op.drop_table('api_keys')
    op.drop_table('organizations')
