"""who created and revoked an API key, who last changed the brand settings

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 15:50:00.000000

The dashboard and the API record their actor (a user id, a key id, or `cli`) as the other resources do;
rows from before stay NULL (unknown).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('api_keys') as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('revoked_by', sa.String(length=40), nullable=True))
    with op.batch_alter_table('brand_settings') as batch_op:
        batch_op.add_column(sa.Column('updated_by', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('brand_settings') as batch_op:
        batch_op.drop_column('updated_by')
    with op.batch_alter_table('api_keys') as batch_op:
        batch_op.drop_column('revoked_by')
        batch_op.drop_column('created_by')
