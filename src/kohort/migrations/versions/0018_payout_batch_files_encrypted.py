"""payout batch files encrypted at rest

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 14:10:00.000000

`payout_batches.document` now holds the pain.001 file encrypted (kohort.kit.crypto), and, once the batch is
confirmed, a copy with masked IBANs (`ibans_masked`). Documents stored in clear before this revision are
encrypted (and masked if confirmed) by the first process that starts with the key: migrations never see it
(see `kohort.runtime.secure_at_rest`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('payout_batches') as batch:
        batch.add_column(sa.Column('ibans_masked', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('payout_batches') as batch:
        batch.drop_column('ibans_masked')
