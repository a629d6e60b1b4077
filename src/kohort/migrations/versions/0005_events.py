"""events

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:20:00.000000

The events outbox: one row per business event, with the object as it was then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kohort.models.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('api_version', sa.String(length=10), nullable=False),
    sa.Column('created_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('dispatched_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_events_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_index('ix_events_tenant_created', 'events', ['organization_id', 'livemode', 'created_at'], unique=False)
    op.create_index('ix_events_tenant_type_created', 'events', ['organization_id', 'livemode', 'type', 'created_at'],
                    unique=False)
    op.create_index('ix_events_undispatched', 'events', ['created_at'], unique=False,
                    postgresql_where=sa.text('dispatched_at IS NULL'), sqlite_where=sa.text('dispatched_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_events_undispatched', table_name='events',
                  postgresql_where=sa.text('dispatched_at IS NULL'), sqlite_where=sa.text('dispatched_at IS NULL'))
    op.drop_index('ix_events_tenant_type_created', table_name='events')
    op.drop_index('ix_events_tenant_created', table_name='events')
    op.drop_table('events')
