"""webhook attempts, failing endpoints, merchants' contact address

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 11:10:00.000000

Every attempt of a webhook delivery is kept (the merchant sees them all); an endpoint remembers since when
it fails, to be disabled after 5 days; the brand settings gain the address Kohort writes to about it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kohort.models.base

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_endpoints') as batch:
        batch.add_column(sa.Column('failing_since', kohort.models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('brand_settings') as batch:
        batch.add_column(sa.Column('contact_email', sa.String(length=255), nullable=True))
    op.create_table(
        'webhook_attempts',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('organization_id', sa.String(length=40), nullable=False),
        sa.Column('livemode', sa.Boolean(), nullable=False),
        sa.Column('delivery_id', sa.String(length=40), nullable=False),
        sa.Column('attempted_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('succeeded', sa.Boolean(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('response', sa.Text(), nullable=False),
        sa.Column('next_attempt_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id'], ondelete='CASCADE',
                                name=op.f('fk_webhook_attempts_delivery_id_webhook_deliveries')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_webhook_attempts_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempts')),
    )
    op.create_index('ix_webhook_attempts_delivery_attempted', 'webhook_attempts', ['delivery_id', 'attempted_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_webhook_attempts_delivery_attempted', table_name='webhook_attempts')
    op.drop_table('webhook_attempts')
    with op.batch_alter_table('brand_settings') as batch:
        batch.drop_column('contact_email')
    with op.batch_alter_table('webhook_endpoints') as batch:
        batch.drop_column('failing_since')
