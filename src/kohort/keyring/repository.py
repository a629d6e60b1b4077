"""instance_settings: the few values that belong to the installation, not to any merchant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import insert_ignoring_conflicts
from kohort.models import instance_settings


async def get(connection: AsyncConnection, name: str) -> str | None:
    statement = select(instance_settings.c.value).where(instance_settings.c.name == name)
    value: str | None = (await connection.execute(statement)).scalar_one_or_none()
    return value


async def insert_if_absent(connection: AsyncConnection, name: str, value: str, *, now: datetime) -> None:
    """Once: of processes starting together, the first one's value stays."""
    statement = insert_ignoring_conflicts(connection, instance_settings, ["name"])
    await connection.execute(statement, {"name": name, "value": value, "updated_at": now})


async def replace_if(connection: AsyncConnection, name: str, *, expected: str, value: str, now: datetime) -> bool:
    """`name` becomes `value` if it still is `expected`."""
    statement = (
        update(instance_settings)
        .where(instance_settings.c.name == name, instance_settings.c.value == expected)
        .values(value=value, updated_at=now)
    )
    return bool((await connection.execute(statement)).rowcount)


async def remove(connection: AsyncConnection, name: str) -> None:
    await connection.execute(delete(instance_settings).where(instance_settings.c.name == name))
