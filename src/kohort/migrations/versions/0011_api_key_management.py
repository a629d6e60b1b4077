"""api key management

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:45:00.000000

When each API key was last used (coarsely) and when a rolled key stops working.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kohort.models.base

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('api_keys') as batch:
        batch.add_column(sa.Column('last_used_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('expires_at', kohort.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_keys') as batch:
        batch.drop_column('expires_at')
        batch.drop_column('last_used_at')
