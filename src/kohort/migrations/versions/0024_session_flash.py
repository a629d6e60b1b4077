"""a session's flash: a message for its next page only (a new API key, across the POST's redirect)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 16:00:00.000000

Sealed under a key derived from the session's token, which only the browser holds: a copy of the table
cannot read it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_sessions') as batch_op:
        batch_op.add_column(sa.Column('flash', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_sessions') as batch_op:
        batch_op.drop_column('flash')
