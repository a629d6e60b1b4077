"""Queries for brand settings, inside one tenant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.brand.domain import BrandChanges, BrandSettings
from kohort.db import insert_ignoring_conflicts
from kohort.models import brand_settings
from kohort.tenant import Tenant


async def get(connection: AsyncConnection, tenant: Tenant) -> BrandSettings | None:
    statement = select(brand_settings).where(tenant.owns(brand_settings))
    row = (await connection.execute(statement)).first()
    return BrandSettings.from_row(row) if row is not None else None


async def insert_if_missing(connection: AsyncConnection, tenant: Tenant, *, settings_id: str, now: datetime) -> None:
    """An empty row (every field at its default) unless the tenant has one."""
    statement = insert_ignoring_conflicts(connection, brand_settings, ["organization_id", "livemode"]).values(
        **tenant.stamp(), id=settings_id, display_name=None, logo_url=None, color=None, website_url=None,
        contact_email=None, created_at=now, updated_at=now,
    )
    await connection.execute(statement)


async def update_fields(connection: AsyncConnection, tenant: Tenant, changes: BrandChanges) -> BrandSettings:
    statement = update(brand_settings).where(tenant.owns(brand_settings)).values(**changes).returning(brand_settings)
    return BrandSettings.from_row((await connection.execute(statement)).one())
