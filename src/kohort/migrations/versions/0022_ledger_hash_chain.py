"""the ledger's hash chain: seals of postings and each tenant's chain head

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 14:10:00.000000

Postings stay as they are; a sweep seals them, per tenant, into a SHA-256 chain (kohort.ledger.chain).
The index on postings' created_at lets the sweep find the newest unsealed ones without reading the whole
ledger.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kohort.models.base

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'ledger_seals',
        sa.Column('transaction_id', sa.String(length=40), nullable=False),
        sa.Column('organization_id', sa.String(length=40), nullable=False),
        sa.Column('livemode', sa.Boolean(), nullable=False),
        sa.Column('position', sa.BigInteger(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('sealed_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('transaction_id', name=op.f('pk_ledger_seals')),
    )
    op.create_index('uq_ledger_seals_tenant_position', 'ledger_seals', ['organization_id', 'livemode', 'position'],
                    unique=True)
    op.create_table(
        'ledger_chain_heads',
        sa.Column('organization_id', sa.String(length=40), nullable=False),
        sa.Column('livemode', sa.Boolean(), nullable=False),
        sa.Column('position', sa.BigInteger(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('sealed_through', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('updated_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('organization_id', 'livemode', name=op.f('pk_ledger_chain_heads')),
    )
    op.create_index('ix_ledger_transactions_created', 'ledger_transactions', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_ledger_transactions_created', table_name='ledger_transactions')
    op.drop_table('ledger_chain_heads')
    op.drop_index('uq_ledger_seals_tenant_position', table_name='ledger_seals')
    op.drop_table('ledger_seals')
