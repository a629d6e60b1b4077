"""Statements on `idempotency_keys`. Every write is conditional, so that two servers racing for one key
never both believe they hold it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, cast, delete, func, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import insert_ignoring_conflicts
from kohort.models import idempotency_keys as keys
from kohort.tenant import Tenant

RUNNING = "running"
DONE = "done"

_PRIMARY_KEY = ["organization_id", "livemode", "key"]


def _row(organization_id: str, livemode: bool, key: str) -> Any:
    return and_(keys.c.organization_id == organization_id, keys.c.livemode == livemode, keys.c.key == key)


async def insert_claim(connection: AsyncConnection, values: dict[str, Any]) -> bool:
    """A new running claim; False when the key already has a row (whatever its state)."""
    statement = insert_ignoring_conflicts(connection, keys, _PRIMARY_KEY)
    result = await connection.execute(statement, values)
    return bool(result.rowcount)


async def find(connection: AsyncConnection, organization_id: str, livemode: bool, key: str) -> RowMapping | None:
    result = await connection.execute(select(keys).where(_row(organization_id, livemode, key)))
    return result.mappings().first()


async def take_over(connection: AsyncConnection, row: RowMapping, values: dict[str, Any]) -> bool:
    """Claim a row found expired or abandoned, if nobody changed it since it was read."""
    result = await connection.execute(
        update(keys)
        .where(_row(row["organization_id"], row["livemode"], row["key"]),
               keys.c.status == row["status"], keys.c.expires_at == row["expires_at"],
               keys.c.locked_by.is_(None) if row["locked_by"] is None else keys.c.locked_by == row["locked_by"])
        .values(**values)
    )
    return bool(result.rowcount)


async def complete(connection: AsyncConnection, organization_id: str, livemode: bool, key: str, claim: str,
                   *, status: int, headers: list[list[str]], body: bytes, api_version: str) -> bool:
    result = await connection.execute(
        update(keys)
        .where(_row(organization_id, livemode, key), keys.c.locked_by == claim, keys.c.status == RUNNING)
        .values(status=DONE, locked_until=None, response_status=status, response_headers=headers,
                response_body=body, api_version=api_version)
    )
    return bool(result.rowcount)


async def release(connection: AsyncConnection, organization_id: str, livemode: bool, key: str, claim: str) -> None:
    await connection.execute(
        delete(keys).where(_row(organization_id, livemode, key), keys.c.locked_by == claim, keys.c.status == RUNNING)
    )


async def purge_expired(connection: AsyncConnection, now: datetime, *, limit: int) -> int:
    """Delete up to `limit` keys past their 24 hours; how many went."""
    expired = select(keys.c.organization_id, keys.c.livemode, keys.c.key).where(keys.c.expires_at <= now).limit(limit)
    rows = (await connection.execute(expired)).all()
    for row in rows:
        await connection.execute(
            delete(keys).where(_row(row.organization_id, row.livemode, row.key), keys.c.expires_at <= now)
        )
    return len(rows)


async def responses_containing(
    connection: AsyncConnection, tenant: Tenant, needles: Sequence[str]
) -> list[tuple[str, bytes]]:
    """(key, stored answer) of the tenant's kept answers containing one of `needles` (ASCII,
    case-insensitively): the answers that show a customer, for an erasure."""
    if not needles:
        return []
    # The body is bytes: PostgreSQL reads it as text through the escape encoding (any byte goes),
    # SQLite casts it.
    body = func.encode(keys.c.response_body, "escape") if connection.dialect.name == "postgresql" else cast(
        keys.c.response_body, Text)
    text = func.lower(body)
    statement = select(keys.c.key, keys.c.response_body).where(
        keys.c.organization_id == tenant.organization_id, keys.c.livemode == tenant.livemode,
        keys.c.response_body.is_not(None),
        or_(*(text.contains(needle.lower(), autoescape=True) for needle in needles)),
    )
    return [(row.key, bytes(row.response_body)) for row in (await connection.execute(statement)).all()]


async def rewrite_response(connection: AsyncConnection, tenant: Tenant, key: str, body: bytes) -> None:
    await connection.execute(
        update(keys).where(_row(tenant.organization_id, tenant.livemode, key)).values(response_body=body)
    )
