"""Queries for brand settings, inside one tenant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import insert_ignoring_conflicts
from kohort.models import brand_settings
from kohort.tenant import Tenant


async def get(connection: AsyncConnection, tenant: Tenant) -> RowMapping | None:
    statement = select(brand_settings).where(tenant.owns(brand_settings))
    return (await connection.execute(statement)).mappings().first()


async def insert_if_missing(connection: AsyncConnection, values: dict[str, Any]) -> None:
    statement = insert_ignoring_conflicts(connection, brand_settings, ["organization_id", "livemode"]).values(**values)
    await connection.execute(statement)


async def update_fields(connection: AsyncConnection, tenant: Tenant, values: dict[str, Any]) -> RowMapping:
    statement = update(brand_settings).where(tenant.owns(brand_settings)).values(**values).returning(brand_settings)
    return (await connection.execute(statement)).mappings().one()
