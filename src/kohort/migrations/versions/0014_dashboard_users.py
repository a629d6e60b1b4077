"""dashboard users

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 11:00:00.000000

The merchant dashboard's accounts (Argon2id password hashes), their server-side sessions and the login
throttle; indexes the home figures need on 1 M orders.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kohort.models.base

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('organization_id', sa.String(length=40), nullable=False),
        sa.Column('email', sa.String(length=255), nullable=False),
        sa.Column('email_key', sa.String(length=255), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=False),
        sa.Column('disabled_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_users_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
        sa.UniqueConstraint('email_key', name=op.f('uq_users_email_key')),
    )
    op.create_index('ix_users_organization', 'users', ['organization_id'], unique=False)
    op.create_table(
        'user_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=40), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_user_sessions')),
    )
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'], unique=False)
    op.create_table(
        'login_throttles',
        sa.Column('email_key', sa.String(length=255), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('email_key', name=op.f('pk_login_throttles')),
    )
    op.create_index('ix_payment_groups_tenant_completed', 'payment_groups',
                    ['organization_id', 'livemode', 'completed_at'], unique=False)
    op.create_index('ix_payment_groups_tenant_status_expires', 'payment_groups',
                    ['organization_id', 'livemode', 'status', 'expires_at'], unique=False)
    op.create_index('ix_ledger_entries_tenant_account_created', 'ledger_entries',
                    ['organization_id', 'livemode', 'account', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ledger_entries_tenant_account_created', table_name='ledger_entries')
    op.drop_index('ix_payment_groups_tenant_status_expires', table_name='payment_groups')
    op.drop_index('ix_payment_groups_tenant_completed', table_name='payment_groups')
    op.drop_table('login_throttles')
    op.drop_index(op.f('ix_user_sessions_user_id'), table_name='user_sessions')
    op.drop_table('user_sessions')
    op.drop_index('ix_users_organization', table_name='users')
    op.drop_table('users')
