"""jobs, ledger, withdrawal tokens: background work, settlement and its money

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kohort.models.base

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_jobs_dedupe_key'))
    )
    op.create_index('ix_jobs_status_locked_until', 'jobs', ['status', 'locked_until'], unique=False)
    op.create_index('ix_jobs_status_run_at', 'jobs', ['status', 'run_at'], unique=False)
    op.create_table('ledger_transactions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('reverses_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_ledger_transactions_organization_id_organizations')),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_transactions_reverses_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transactions')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_ledger_transactions_idempotency_key'))
    )
    op.create_table('ledger_entries',
    sa.Column('transaction_id', sa.String(length=40), nullable=False),
    sa.Column('line', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('transaction_id', 'line', name=op.f('pk_ledger_entries'))
    )
    op.create_index('ix_ledger_entries_order', 'ledger_entries', ['order_id'], unique=False,
                    postgresql_where=sa.text('order_id IS NOT NULL'), sqlite_where=sa.text('order_id IS NOT NULL'))
    op.create_index('ix_ledger_entries_tenant_account', 'ledger_entries', ['organization_id', 'livemode', 'account'], unique=False)
    op.add_column('orders', sa.Column('withdrawal_token_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_token_hash')
    op.drop_index('ix_ledger_entries_tenant_account', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_order', table_name='ledger_entries')
    op.drop_table('ledger_entries')
    op.drop_table('ledger_transactions')
    op.drop_index('ix_jobs_status_run_at', table_name='jobs')
    op.drop_index('ix_jobs_status_locked_until', table_name='jobs')
    op.drop_table('jobs')
