"""events: the email consumer

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:50:00.000000

Shopper emails are produced from events: each event records when the email consumer handled it, and the
ids of related objects that consumer needs. Events written before this revision were emailed by the
services themselves, so they are marked handled.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kohort.models.base

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('notified_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('refs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                                  'postgresql'), nullable=True))
    op.execute(sa.text('UPDATE events SET notified_at = created_at'))
    op.create_index('ix_events_unnotified', 'events', ['created_at'], unique=False,
                    postgresql_where=sa.text('notified_at IS NULL'), sqlite_where=sa.text('notified_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_events_unnotified', table_name='events',
                  postgresql_where=sa.text('notified_at IS NULL'), sqlite_where=sa.text('notified_at IS NULL'))
    with op.batch_alter_table('events') as batch:
        batch.drop_column('refs')
        batch.drop_column('notified_at')
