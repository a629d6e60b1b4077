"""discount levels stored in snake_case

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 09:00:00.000000

Levels used to be stored in the wire's camelCase (`participantsToUnlock`); the code now holds them in
one internal shape (`organization.ladder.DiscountLevel`) and converts only at the wire. Both the
organizations' settings and every group's settings copy are rewritten, in both directions.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("group_settings", "payment_groups")
_KEY_COLUMNS = {"group_settings": ("organization_id", "livemode"), "payment_groups": ("id",)}
_BATCH = 1000


def _renamed(levels: Any, old: str, new: str) -> Any:
    if not isinstance(levels, list):
        return levels
    return [
        {(new if key == old else key): value for key, value in level.items()} if isinstance(level, dict) else level
        for level in levels
    ]


def _rewrite(old: str, new: str) -> None:
    connection = op.get_bind()
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    for name in _TABLES:
        keys = _KEY_COLUMNS[name]
        table = sa.table(name, *(sa.column(key) for key in keys), sa.column("discount_levels", json_type))
        rows = connection.execute(sa.select(*(table.c[key] for key in keys), table.c.discount_levels)).all()
        changed = []
        for row in rows:
            levels = row[-1]
            converted = _renamed(levels, old, new)
            if converted != levels:
                changed.append({**{f"k_{key}": row[index] for index, key in enumerate(keys)}, "levels": converted})
        statement = (
            sa.update(table)
            .where(*(table.c[key] == sa.bindparam(f"k_{key}") for key in keys))
            .values(discount_levels=sa.bindparam("levels", type_=json_type))
        )
        for start in range(0, len(changed), _BATCH):
            connection.execute(statement, changed[start:start + _BATCH])


def upgrade() -> None:
    _rewrite("participantsToUnlock", "participants_to_unlock")


def downgrade() -> None:
    _rewrite("participants_to_unlock", "participantsToUnlock")
