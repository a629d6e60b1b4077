"""Queries for organizations, API keys and group settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.models import api_keys, group_settings, organizations
from kohort.organization.domain import GroupSettings, Organization
from kohort.tenant import Tenant, tenant_scope

_GROUP_SETTINGS = select(group_settings).where(tenant_scope(group_settings))  # built once: the order path reads it


async def insert_organization(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(insert(organizations).values(**values))


async def insert_api_keys(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    await connection.execute(insert(api_keys), rows)


async def insert_group_settings(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    await connection.execute(insert(group_settings), rows)


async def find_active_key(connection: AsyncConnection, key_hash: str) -> RowMapping | None:
    """An unrevoked key by the hash of its secret, with its organization's default API version.
    Not tenant-scoped: this is how the tenant is found."""
    statement = (
        select(
            api_keys.c.id,
            api_keys.c.organization_id,
            api_keys.c.livemode,
            api_keys.c.kind,
            api_keys.c.key_hash,
            organizations.c.api_version,
        )
        .join(organizations, organizations.c.id == api_keys.c.organization_id)
        .where(api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None))
    )
    return (await connection.execute(statement)).mappings().first()


async def get_organization(connection: AsyncConnection, organization_id: str) -> Organization | None:
    statement = select(organizations).where(organizations.c.id == organization_id)
    row = (await connection.execute(statement)).first()
    return Organization.from_row(row) if row is not None else None


async def get_group_settings(connection: AsyncConnection, tenant: Tenant) -> GroupSettings | None:
    row = (await connection.execute(_GROUP_SETTINGS, tenant.params())).first()
    return GroupSettings.from_row(row) if row is not None else None


async def update_group_settings(connection: AsyncConnection, tenant: Tenant, values: dict[str, Any]) -> GroupSettings:
    statement = update(group_settings).where(tenant.owns(group_settings)).values(**values).returning(group_settings)
    return GroupSettings.from_row((await connection.execute(statement)).one())


async def count_organizations(connection: AsyncConnection) -> int:
    return int((await connection.execute(select(func.count()).select_from(organizations))).scalar_one())
