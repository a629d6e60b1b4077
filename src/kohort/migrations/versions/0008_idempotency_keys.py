"""idempotency keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:30:00.000000

The first answer to each POST sent with an `Idempotency-Key`, kept 24 hours per organization, mode and key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kohort.models.base

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'idempotency_keys',
        sa.Column('organization_id', sa.String(length=40), nullable=False),
        sa.Column('livemode', sa.Boolean(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('locked_until', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('locked_by', sa.String(length=40), nullable=True),
        sa.Column('response_status', sa.Integer(), nullable=True),
        sa.Column('response_headers', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
        sa.Column('response_body', sa.LargeBinary(), nullable=True),
        sa.Column('api_version', sa.String(length=10), nullable=True),
        sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('organization_id', 'livemode', 'key', name=op.f('pk_idempotency_keys')),
    )
    op.create_index('ix_idempotency_keys_expires_at', 'idempotency_keys', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_idempotency_keys_expires_at', table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
