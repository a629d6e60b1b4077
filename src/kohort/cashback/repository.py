"""Writes of the cashback columns of orders. The only path from CREATED to CASHBACK_AVAILABLE."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, bindparam, func, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.models import OrderStatus, orders
from kohort.tenant import Tenant

SYSTEM_ACTOR = "system"


async def make_cashback_available(
    connection: AsyncConnection, grants: Sequence[tuple[str, int, str]], *, now: datetime
) -> set[str]:
    """For each (order id, cashback cents, withdrawal token hash): CREATED → CASHBACK_AVAILABLE, only if
    the order is still CREATED. Returns the ids actually changed (a settled order never changes again)."""
    if not grants:
        return set()
    changes: dict[str, Any] = {"status": OrderStatus.CASHBACK_AVAILABLE, "updated_at": now, "updated_by": SYSTEM_ACTOR}
    if connection.dialect.name == "postgresql":
        # One statement for the whole batch: UPDATE … FROM unnest(ids, amounts, hashes).
        given = func.unnest(
            bindparam("ids", [grant[0] for grant in grants], type_=ARRAY(String)),
            bindparam("amounts", [grant[1] for grant in grants], type_=ARRAY(BigInteger)),
            bindparam("hashes", [grant[2] for grant in grants], type_=ARRAY(String)),
        ).table_valued("order_id", "amount_cashback", "token_hash").render_derived(name="granted")
        statement = (
            update(orders)
            .where(orders.c.id == given.c.order_id, orders.c.status == OrderStatus.CREATED)
            .values(amount_cashback=given.c.amount_cashback, withdrawal_token_hash=given.c.token_hash, **changes)
            .returning(orders.c.id)
        )
        return set((await connection.execute(statement)).scalars())
    changed = set()
    for order_id, amount_cashback, token_hash in grants:  # SQLite: one writer, local calls
        statement = (
            update(orders)
            .where(orders.c.id == order_id, orders.c.status == OrderStatus.CREATED)
            .values(amount_cashback=amount_cashback, withdrawal_token_hash=token_hash, **changes)
            .returning(orders.c.id)
        )
        changed.update((await connection.execute(statement)).scalars())
    return changed


async def set_cashback(connection: AsyncConnection, tenant: Tenant, amounts: dict[str, int], *, now: datetime) -> None:
    """New cashback amounts for orders whose group the caller holds locked (a refund recomputing it)."""
    for order_id, amount_cashback in amounts.items():
        statement = (
            update(orders)
            .where(tenant.owns(orders), orders.c.id == order_id)
            .values(amount_cashback=amount_cashback, updated_at=now, updated_by=SYSTEM_ACTOR)
        )
        await connection.execute(statement)
