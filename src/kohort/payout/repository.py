"""Queries for payout accounts, payouts and batches, always inside one tenant."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import fetch_page, insert_ignoring_conflicts
from kohort.kit.listing import ListParams, wire_columns
from kohort.models import payout_accounts, payout_batches, payouts
from kohort.tenant import Tenant

PAYOUT_LIST_COLUMNS = wire_columns(payouts, exclude=frozenset({"iban_encrypted"}))
BATCH_LIST_COLUMNS = wire_columns(payout_batches, exclude=frozenset({"document"}))


async def get_account(connection: AsyncConnection, tenant: Tenant) -> RowMapping | None:
    statement = select(payout_accounts).where(tenant.owns(payout_accounts))
    return (await connection.execute(statement)).mappings().first()


async def upsert_account(connection: AsyncConnection, tenant: Tenant, values: dict[str, Any]) -> RowMapping:
    inserted = insert_ignoring_conflicts(connection, payout_accounts, ["organization_id", "livemode"])
    await connection.execute(inserted.values(**tenant.stamp(), **values))
    changes = {key: value for key, value in values.items() if key != "created_at"}
    statement = update(payout_accounts).where(tenant.owns(payout_accounts)).values(**changes).returning(payout_accounts)
    return (await connection.execute(statement)).mappings().one()


async def insert_payout(connection: AsyncConnection, values: dict[str, Any]) -> RowMapping:
    return (await connection.execute(insert(payouts).values(**values).returning(payouts))).mappings().one()


async def get_payout(connection: AsyncConnection, tenant: Tenant, payout_id: str) -> RowMapping | None:
    statement = select(payouts).where(tenant.owns(payouts), payouts.c.id == payout_id)
    return (await connection.execute(statement)).mappings().first()


async def latest_payout_for_order(connection: AsyncConnection, tenant: Tenant, order_id: str) -> RowMapping | None:
    statement = (
        select(payouts)
        .where(tenant.owns(payouts), payouts.c.order_id == order_id)
        .order_by(payouts.c.created_at.desc(), payouts.c.id.desc())
        .limit(1)
    )
    return (await connection.execute(statement)).mappings().first()


async def list_payouts(
    connection: AsyncConnection, tenant: Tenant, params: ListParams, *, batch_id: str | None = None
) -> tuple[list[RowMapping], int]:
    conditions = [tenant.owns(payouts)]
    if batch_id is not None:
        conditions.append(payouts.c.batch_id == batch_id)
    return await fetch_page(connection, payouts, columns=PAYOUT_LIST_COLUMNS, params=params, conditions=conditions)


async def payouts_in_batch(connection: AsyncConnection, tenant: Tenant, batch_id: str) -> list[RowMapping]:
    statement = (
        select(payouts).where(tenant.owns(payouts), payouts.c.batch_id == batch_id).order_by(payouts.c.created_at, payouts.c.id)
    )
    return list((await connection.execute(statement)).mappings())


async def insert_batch(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(insert(payout_batches).values(**values))


async def claim_pending(connection: AsyncConnection, tenant: Tenant, batch_id: str, now: Any) -> list[RowMapping]:
    """Move every PENDING payout of the tenant into the batch, atomically: a payout can only ever be in
    one batch, even if two exports run at once (the second finds nothing left to claim)."""
    statement = (
        update(payouts)
        .where(tenant.owns(payouts), payouts.c.status == "PENDING")
        .values(status="IN_BATCH", batch_id=batch_id, updated_at=now)
        .returning(payouts)
    )
    rows = list((await connection.execute(statement)).mappings())
    return sorted(rows, key=lambda row: (row["created_at"], row["id"]))


async def update_batch(connection: AsyncConnection, tenant: Tenant, batch_id: str, values: dict[str, Any]) -> RowMapping:
    statement = (
        update(payout_batches).where(tenant.owns(payout_batches), payout_batches.c.id == batch_id)
        .values(**values).returning(payout_batches)
    )
    return (await connection.execute(statement)).mappings().one()


async def get_batch(connection: AsyncConnection, tenant: Tenant, batch_id: str) -> RowMapping | None:
    statement = select(payout_batches).where(tenant.owns(payout_batches), payout_batches.c.id == batch_id)
    return (await connection.execute(statement)).mappings().first()


async def confirm_batch_if_exported(
    connection: AsyncConnection, tenant: Tenant, batch_id: str, now: Any
) -> RowMapping | None:
    """EXPORTED → CONFIRMED, once: None when the batch is unknown or was already confirmed."""
    statement = (
        update(payout_batches)
        .where(tenant.owns(payout_batches), payout_batches.c.id == batch_id, payout_batches.c.status == "EXPORTED")
        .values(status="CONFIRMED", confirmed_at=now)
        .returning(payout_batches)
    )
    return (await connection.execute(statement)).mappings().first()


async def mark_batch_paid(connection: AsyncConnection, tenant: Tenant, batch_id: str, now: Any) -> list[RowMapping]:
    """Every payout of the batch still IN_BATCH becomes PAID; its IBAN is erased (no longer needed)."""
    statement = (
        update(payouts)
        .where(tenant.owns(payouts), payouts.c.batch_id == batch_id, payouts.c.status == "IN_BATCH")
        .values(status="PAID", paid_at=now, updated_at=now, iban_encrypted=None)
        .returning(payouts)
    )
    return list((await connection.execute(statement)).mappings())


async def fail_if_unsettled(
    connection: AsyncConnection, tenant: Tenant, payout_id: str, *, reason: str, now: Any
) -> RowMapping | None:
    """PENDING or IN_BATCH → FAILED, once; the IBAN is erased (the shopper enters one again)."""
    statement = (
        update(payouts)
        .where(tenant.owns(payouts), payouts.c.id == payout_id, payouts.c.status.in_(("PENDING", "IN_BATCH")))
        .values(status="FAILED", failure_reason=reason, failed_at=now, updated_at=now, iban_encrypted=None)
        .returning(payouts)
    )
    return (await connection.execute(statement)).mappings().first()


async def list_batches(connection: AsyncConnection, tenant: Tenant, params: ListParams) -> tuple[list[RowMapping], int]:
    # Batches take no search: a batch is found by id, and its payouts are listed with /payouts.
    conditions = [tenant.owns(payout_batches)]
    params = replace(params, search=None)
    return await fetch_page(connection, payout_batches, columns=BATCH_LIST_COLUMNS, params=params, conditions=conditions)


def ids(rows: Iterable[RowMapping]) -> list[str]:
    return [row["id"] for row in rows]


async def find_batch_any_tenant(connection: AsyncConnection, batch_id: str) -> RowMapping | None:
    """A batch by id, whatever its tenant: for the operator's CLI (`kohort payouts confirm`)."""
    statement = select(payout_batches).where(payout_batches.c.id == batch_id)
    return (await connection.execute(statement)).mappings().first()
