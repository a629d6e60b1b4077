"""Writes of the cashback columns of orders: the only path from CREATED to CASHBACK_AVAILABLE, and the
withdrawal tokens issued while the cashback is available."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String, and_, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from kohort.models import OrderStatus, customers, orders
from kohort.tenant import Tenant

SYSTEM_ACTOR = "system"


async def make_cashback_available(
    connection: AsyncConnection, grants: Sequence[tuple[str, int]], *, now: datetime, held_until: datetime | None = None
) -> set[str]:
    """For each (order id, cashback cents): CREATED → CASHBACK_AVAILABLE (or CASHBACK_PENDING until
    `held_until`, the end of the group's hold), only if the order is still CREATED. Returns the ids actually
    changed (a settled order never changes again). No withdrawal token yet: the email consumer issues it
    when it writes the link (`set_withdrawal_tokens`)."""
    changes: dict[str, Any] = {
        "status": OrderStatus.CASHBACK_PENDING if held_until else OrderStatus.CASHBACK_AVAILABLE,
        "cashback_available_at": held_until or now, "withdrawal_token_hash": None, "updated_at": now,
        "updated_by": SYSTEM_ACTOR,
    }
    return await _update_each(
        connection, grants, column=("amount_cashback", BigInteger()), where=orders.c.status == OrderStatus.CREATED,
        changes=changes,
    )


async def set_withdrawal_tokens(
    connection: AsyncConnection, hashes: Sequence[tuple[str, str]], *, now: datetime
) -> set[str]:
    """For each (order id, token hash): the order's withdrawal token becomes this one (any earlier one is
    void), only while its cashback is available to withdraw. Returns the ids changed."""
    return await _update_each(
        connection, hashes, column=("withdrawal_token_hash", String()),
        where=and_(orders.c.status == OrderStatus.CASHBACK_AVAILABLE, orders.c.amount_cashback > 0),
        changes={"updated_at": now},
    )


async def _update_each(
    connection: AsyncConnection, rows: Sequence[tuple[str, Any]], *, column: tuple[str, TypeEngine[Any]],
    where: ColumnElement[bool], changes: dict[str, Any],
) -> set[str]:
    """Set `column` of each order to its own value where `where` holds; returns the ids changed."""
    if not rows:
        return set()
    name, type_ = column
    if connection.dialect.name == "postgresql":
        # One statement for the whole batch: UPDATE … FROM unnest(ids, values).
        given = func.unnest(
            bindparam("ids", [row[0] for row in rows], type_=ARRAY(String)),
            bindparam("values", [row[1] for row in rows], type_=ARRAY(type_)),
        ).table_valued("order_id", "value").render_derived(name="given")
        statement = (
            update(orders)
            .where(orders.c.id == given.c.order_id, where)
            .values(**changes, **{name: given.c.value})
            .returning(orders.c.id)
        )
        return set((await connection.execute(statement)).scalars())
    changed = set()
    for order_id, value in rows:  # SQLite: one writer, local calls
        statement = (
            update(orders).where(orders.c.id == order_id, where).values(**changes, **{name: value}).returning(orders.c.id)
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


async def release_held(connection: AsyncConnection, group_ids: Sequence[str], *, now: datetime) -> list[str]:
    """CASHBACK_PENDING → CASHBACK_AVAILABLE for the held orders of these groups (whose hold the caller
    just ended by a conditional write). Returns the ids changed."""
    if not group_ids:
        return []
    statement = (
        update(orders)
        .where(orders.c.payment_group_id.in_(group_ids), orders.c.status == OrderStatus.CASHBACK_PENDING)
        .values(status=OrderStatus.CASHBACK_AVAILABLE, updated_at=now, updated_by=SYSTEM_ACTOR)
        .returning(orders.c.id)
    )
    return list((await connection.execute(statement)).scalars())


async def nettable_orders(connection: AsyncConnection, order_ids: Sequence[str]) -> list[tuple[str, Tenant, str, int]]:
    """(order id, tenant, customer id, cashback) of these orders whose cashback is available, oldest first."""
    if not order_ids:
        return []
    statement = (
        select(orders.c.id, orders.c.organization_id, orders.c.livemode, orders.c.customer_id, orders.c.amount_cashback)
        .where(orders.c.id.in_(order_ids), orders.c.status == OrderStatus.CASHBACK_AVAILABLE,
               orders.c.amount_cashback > 0)
        .order_by(orders.c.created_at, orders.c.id)
    )
    return [(row[0], Tenant(row[1], bool(row[2])), row[3], int(row[4]))
            for row in (await connection.execute(statement)).all()]


async def lock_customers(connection: AsyncConnection, tenant: Tenant, customer_ids: Sequence[str]) -> None:
    """Row locks on these customers, in id order (so two transactions never wait on each other in a
    cycle): whoever nets a shopper's debt holds it until commit, and the next one reads what is left."""
    statement = (
        select(customers.c.id)
        .where(tenant.owns(customers), customers.c.id.in_(sorted(customer_ids)))
        .order_by(customers.c.id)
        .with_for_update()
    )
    await connection.execute(statement)


async def record_netting(connection: AsyncConnection, tenant: Tenant, order_id: str, netted: int, *,
                         now: datetime) -> bool:
    """`netted` cents of the order's available cashback go to the shopper's debt: the withdrawable amount
    drops by as much (never below zero). True if it changed."""
    statement = (
        update(orders)
        .where(tenant.owns(orders), orders.c.id == order_id, orders.c.status == OrderStatus.CASHBACK_AVAILABLE,
               orders.c.amount_cashback >= netted)
        .values(amount_cashback=orders.c.amount_cashback - netted, cashback_netted=orders.c.cashback_netted + netted,
                withdrawal_token_hash=case((orders.c.amount_cashback == netted, None),
                                           else_=orders.c.withdrawal_token_hash),
                updated_at=now, updated_by=SYSTEM_ACTOR)
        .returning(orders.c.id)
    )
    return (await connection.execute(statement)).first() is not None
