"""Writes of the cashback columns of orders: the only path from CREATED to CASHBACK_AVAILABLE, and the
withdrawal tokens issued while the cashback is available."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String, and_, bindparam, func, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from kohort.models import OrderStatus, orders

SYSTEM_ACTOR = "system"


async def make_cashback_available(
    connection: AsyncConnection, grants: Sequence[tuple[str, int]], *, now: datetime
) -> set[str]:
    """For each (order id, cashback cents): CREATED → CASHBACK_AVAILABLE, only if the order is still
    CREATED. Returns the ids actually changed (a settled order never changes again). No withdrawal token
    yet: the email consumer issues it when it writes the link (`set_withdrawal_tokens`)."""
    changes: dict[str, Any] = {"status": OrderStatus.CASHBACK_AVAILABLE, "withdrawal_token_hash": None,
                               "updated_at": now, "updated_by": SYSTEM_ACTOR}
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
