"""Queries for organizations, API keys and group settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.models import api_keys, group_settings, organizations
from kohort.organization.domain import (
    ActiveKey,
    ApiKey,
    GroupSettings,
    GroupSettingsChanges,
    Organization,
    levels_to_stored,
)
from kohort.tenant import Tenant, tenant_scope

_GROUP_SETTINGS = select(group_settings).where(tenant_scope(group_settings))  # built once: the order path reads it


def _values(value: Organization | ApiKey | GroupSettings) -> dict[str, Any]:
    """A new row's insert parameters, from the value it will be read back as."""
    values = {field.name: getattr(value, field.name) for field in fields(value)}
    if isinstance(value, GroupSettings):
        values["discount_levels"] = levels_to_stored(value.discount_levels)
    return values


async def insert_organization(connection: AsyncConnection, organization: Organization) -> None:
    await connection.execute(insert(organizations).values(**_values(organization)))


async def insert_api_keys(connection: AsyncConnection, keys: Sequence[ApiKey]) -> None:
    await connection.execute(insert(api_keys), [_values(key) for key in keys])


async def insert_group_settings(connection: AsyncConnection, settings: Sequence[GroupSettings]) -> None:
    await connection.execute(insert(group_settings), [_values(item) for item in settings])


async def find_active_key(connection: AsyncConnection, key_hash: str) -> ActiveKey | None:
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
    row = (await connection.execute(statement)).first()
    return ActiveKey.from_row(row) if row is not None else None


async def get_organization(connection: AsyncConnection, organization_id: str) -> Organization | None:
    statement = select(organizations).where(organizations.c.id == organization_id)
    row = (await connection.execute(statement)).first()
    return Organization.from_row(row) if row is not None else None


async def get_group_settings(connection: AsyncConnection, tenant: Tenant) -> GroupSettings | None:
    row = (await connection.execute(_GROUP_SETTINGS, tenant.params())).first()
    return GroupSettings.from_row(row) if row is not None else None


async def update_group_settings(
    connection: AsyncConnection, tenant: Tenant, changes: GroupSettingsChanges
) -> GroupSettings:
    values: dict[str, Any] = {**changes}
    if "discount_levels" in changes:
        values["discount_levels"] = levels_to_stored(changes["discount_levels"])
    statement = update(group_settings).where(tenant.owns(group_settings)).values(**values).returning(group_settings)
    return GroupSettings.from_row((await connection.execute(statement)).one())


async def count_organizations(connection: AsyncConnection) -> int:
    return int((await connection.execute(select(func.count()).select_from(organizations))).scalar_one())
