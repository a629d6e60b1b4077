"""share code prefix per organization and mode

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:45:00.000000

New share codes start with the settings' prefix: `KHT` (as before) or `KHTPAY`, the only one the
WooCommerce plugin recognises. Existing settings keep `KHT`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('group_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_code_prefix', sa.String(length=8), nullable=False, server_default='KHT'))


def downgrade() -> None:
    with op.batch_alter_table('group_settings', schema=None) as batch_op:
        batch_op.drop_column('share_code_prefix')
