"""instance settings (the encryption key's fingerprint)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:30:00.000000

A name/value table for the installation itself: the fingerprint (HMAC-SHA256 of a fixed label under the key,
never the key) of the encryption key the database's secrets are under, recorded by the first process that
starts, and the target of a key rotation while one runs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kohort.models.base

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'instance_settings',
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('updated_at', kohort.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_instance_settings')),
    )


def downgrade() -> None:
    op.drop_table('instance_settings')
