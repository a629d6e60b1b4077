"""Queries for organizations, API keys and group settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import fetch_page
from kohort.kit.listing import ListParams, wire_columns
from kohort.models import ApiKeyKind, api_keys, group_settings, organizations
from kohort.models.base import UTCDateTime
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


def _usable(now: Any) -> Any:
    """Not revoked, and not past the end of a roll's grace period."""
    return and_(api_keys.c.revoked_at.is_(None), or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > now))


# Built once: every authenticated request runs it.
_ACTIVE_KEY = (
    select(
        api_keys.c.id,
        api_keys.c.organization_id,
        api_keys.c.livemode,
        api_keys.c.kind,
        api_keys.c.key_hash,
        api_keys.c.last_used_at,
        organizations.c.api_version,
    )
    .join(organizations, organizations.c.id == api_keys.c.organization_id)
    .where(api_keys.c.key_hash == bindparam("key_hash"), _usable(bindparam("now", type_=UTCDateTime)))
)
_TOUCH_KEY = (
    update(api_keys)
    .where(
        api_keys.c.id == bindparam("key_id"),
        or_(api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at <= bindparam("stale_before", type_=UTCDateTime)),
    )
    .values(last_used_at=bindparam("now", type_=UTCDateTime))
)
KEY_LIST_COLUMNS = wire_columns(api_keys, exclude=frozenset({"key_hash", "organization_id"}))


async def find_active_key(connection: AsyncConnection, key_hash: str, *, now: datetime) -> ActiveKey | None:
    """A usable key by the hash of its secret, with its organization's default API version.
    Not tenant-scoped: this is how the tenant is found."""
    row = (await connection.execute(_ACTIVE_KEY, {"key_hash": key_hash, "now": now})).first()
    return ActiveKey.from_row(row) if row is not None else None


async def touch_key(connection: AsyncConnection, key_id: str, *, now: datetime, stale_before: datetime) -> None:
    """Record a use, unless one after `stale_before` is recorded already (concurrent requests write once)."""
    await connection.execute(_TOUCH_KEY, {"key_id": key_id, "now": now, "stale_before": stale_before})


async def list_keys(connection: AsyncConnection, tenant: Tenant, params: ListParams) -> tuple[list[ApiKey], int]:
    return await fetch_page(connection, api_keys, columns=KEY_LIST_COLUMNS, params=params,
                            conditions=[tenant.owns(api_keys)], build=ApiKey.from_row)


async def get_key(connection: AsyncConnection, tenant: Tenant, key_id: str) -> ApiKey | None:
    row = (await connection.execute(select(api_keys).where(tenant.owns(api_keys), api_keys.c.id == key_id))).first()
    return ApiKey.from_row(row) if row is not None else None


async def tenant_of_key(connection: AsyncConnection, key_id: str) -> Tenant | None:
    """The tenant a key belongs to, for the operator's command line (which names keys by id alone)."""
    statement = select(api_keys.c.organization_id, api_keys.c.livemode).where(api_keys.c.id == key_id)
    row = (await connection.execute(statement)).first()
    return Tenant(organization_id=row.organization_id, livemode=bool(row.livemode)) if row is not None else None


async def lock_usable_keys(connection: AsyncConnection, tenant: Tenant, kind: ApiKeyKind, *, now: datetime) -> list[str]:
    """The ids of the tenant's usable keys of `kind` with no end set, locked until the transaction ends
    (so that two concurrent revocations cannot both see another key left)."""
    statement = (
        select(api_keys.c.id)
        .where(tenant.owns(api_keys), api_keys.c.kind == kind, _usable(now), api_keys.c.expires_at.is_(None))
        .order_by(api_keys.c.id)
        .with_for_update()
    )
    return list((await connection.execute(statement)).scalars())


async def count_usable_keys(connection: AsyncConnection, tenant: Tenant, *, now: datetime) -> int:
    statement = select(func.count()).select_from(api_keys).where(tenant.owns(api_keys), _usable(now))
    return int((await connection.execute(statement)).scalar_one())


async def end_key(connection: AsyncConnection, tenant: Tenant, key_id: str, *, now: datetime,
                  revoke: bool, expires_at: datetime | None = None, actor: str | None = None) -> ApiKey | None:
    """Revoke a usable key now, or set the end of its grace period (a roll); None if it is not usable
    (or not the tenant's). A key in its grace period can still be revoked, not rolled again."""
    conditions = [tenant.owns(api_keys), api_keys.c.id == key_id, _usable(now)]
    if revoke:
        values: dict[str, Any] = {"revoked_at": now, "revoked_by": actor}
    else:
        conditions.append(api_keys.c.expires_at.is_(None))
        values = {"expires_at": expires_at}
    statement = update(api_keys).where(*conditions).values(**values).returning(api_keys)
    row = (await connection.execute(statement)).first()
    return ApiKey.from_row(row) if row is not None else None


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
