"""Queries for refunds, always inside one tenant. Inserts only."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import fetch_page
from kohort.errors import Conflict
from kohort.kit.listing import ListParams, wire_columns
from kohort.models import refunds
from kohort.refund.domain import Refund
from kohort.tenant import Tenant

LIST_COLUMNS = wire_columns(refunds)


def reference_taken(reference: str) -> Conflict:
    return Conflict(f"Refund with client reference id {reference} already exists for another refund.",
                    code="CLIENT_REFERENCE_ID_ALREADY_USED")


async def insert_refund(connection: AsyncConnection, refund: Refund) -> Refund:
    """Insert; the unique index turns a reference used by another order's refund into a 409."""
    values = {column.name: getattr(refund, column.name) for column in refunds.columns}
    try:
        async with connection.begin_nested():
            await connection.execute(insert(refunds).values(**values))
    except IntegrityError:
        raise reference_taken(refund.client_reference_id or "") from None
    return refund


async def get(connection: AsyncConnection, tenant: Tenant, refund_id: str) -> Refund | None:
    statement = select(refunds).where(tenant.owns(refunds), refunds.c.id == refund_id)
    row = (await connection.execute(statement)).first()
    return Refund.from_row(row) if row is not None else None


async def find_by_client_reference(connection: AsyncConnection, tenant: Tenant, reference: str) -> Refund | None:
    statement = select(refunds).where(tenant.owns(refunds), refunds.c.client_reference_id == reference)
    row = (await connection.execute(statement)).first()
    return Refund.from_row(row) if row is not None else None


async def list_refunds(
    connection: AsyncConnection, tenant: Tenant, params: ListParams, *, order_id: str | None = None
) -> tuple[list[Refund], int]:
    conditions = [tenant.owns(refunds)]
    if order_id is not None:
        conditions.append(refunds.c.order_id == order_id)
    return await fetch_page(
        connection, refunds, columns=LIST_COLUMNS, params=params, conditions=conditions, build=Refund.from_row
    )


async def refunds_of_orders(connection: AsyncConnection, tenant: Tenant, order_ids: Sequence[str]) -> list[Refund]:
    if not order_ids:
        return []
    statement = (
        select(refunds)
        .where(tenant.owns(refunds), refunds.c.order_id.in_(order_ids))
        .order_by(refunds.c.created_at, refunds.c.id)
    )
    return [Refund.from_row(row) for row in (await connection.execute(statement)).all()]


async def replace_reason(connection: AsyncConnection, tenant: Tenant, refund_id: str, reason: str | None) -> None:
    """The one change a refund ever sees: an erasure taking the shopper's data out of the merchant's reason."""
    await connection.execute(update(refunds).where(tenant.owns(refunds), refunds.c.id == refund_id).values(reason=reason))
