"""Queries for orders, always inside one tenant (but for the system's: withdrawal links, the resend command)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import fetch_page
from kohort.errors import Conflict, KohortError
from kohort.kit.listing import ListParams, wire_columns
from kohort.models import OrderStatus, customers, orders
from kohort.order.domain import Order
from kohort.tenant import Tenant

# The withdrawal token's hash is a secret of the shopper's link: never sortable or searchable.
LIST_COLUMNS = wire_columns(orders, exclude=frozenset({"withdrawal_token_hash"}))
# A search by the shopper's email (`customerEmail:…`, `customer_email~…`).
_EMAIL_SEARCH = re.compile(r"customer_?email", re.IGNORECASE)
# The order's customer was soft-deleted: a search by email must not find them through their orders.
_CUSTOMER_DELETED = exists().where(
    customers.c.id == orders.c.customer_id, customers.c.deleted_at.is_not(None)
)
# Built once; the row comes as execution parameters (see kohort.db.insert_ignoring_conflicts).
_INSERT_ORDER = insert(orders).returning(orders)


def _order(row: Sequence[Any] | None) -> Order | None:
    return Order.from_row(row) if row is not None else None


async def insert_order(connection: AsyncConnection, values: dict[str, Any]) -> Order:
    """Insert; the unique indexes turn a replayed reference or a second seat for a shopper into a 4xx."""
    try:
        return Order.from_row((await connection.execute(_INSERT_ORDER, values)).one())
    except IntegrityError as error:
        text = str(error.orig)
        if "client_reference" in text:
            raise Conflict(
                f"Order with client reference id {values['client_reference_id']} already exists.",
                code="CLIENT_REFERENCE_ID_ALREADY_USED",
            ) from None
        if "group_customer" in text or "payment_group_id, orders.customer_id" in text:
            raise KohortError(
                f"Customer {values['customer_email'] or values['customer_id']} is already in this group.",
                code="EMAIL_ALREADY_USED",
            ) from None
        raise


async def get(connection: AsyncConnection, tenant: Tenant, order_id: str) -> Order | None:
    statement = select(orders).where(tenant.owns(orders), orders.c.id == order_id)
    return _order((await connection.execute(statement)).first())


async def find_by_client_reference(connection: AsyncConnection, tenant: Tenant, reference: str) -> Order | None:
    statement = select(orders).where(tenant.owns(orders), orders.c.client_reference_id == reference)
    return _order((await connection.execute(statement)).first())


async def move_to_group(
    connection: AsyncConnection, tenant: Tenant, order_id: str, *, group_id: str, share_id: str, values: dict[str, Any]
) -> Order:
    statement = (
        update(orders)
        .where(tenant.owns(orders), orders.c.id == order_id)
        .values(payment_group_id=group_id, payment_group_share_id=share_id, **values)
        .returning(orders)
    )
    return Order.from_row((await connection.execute(statement)).one())


async def list_orders(
    connection: AsyncConnection, tenant: Tenant, params: ListParams, *, group_id: str | None = None
) -> tuple[list[Order], int]:
    conditions = [tenant.owns(orders)]
    if group_id is not None:
        conditions.append(orders.c.payment_group_id == group_id)
    if params.search and _EMAIL_SEARCH.search(params.search):
        conditions.append(~_CUSTOMER_DELETED)
    return await fetch_page(
        connection, orders, columns=LIST_COLUMNS, params=params, conditions=conditions, build=Order.from_row
    )


async def _orders_oldest_first(connection: AsyncConnection, tenant: Tenant, condition: ColumnElement[bool]) -> list[Order]:
    statement = select(orders).where(tenant.owns(orders), condition).order_by(orders.c.created_at, orders.c.id)
    return [Order.from_row(row) for row in (await connection.execute(statement)).all()]


async def orders_of_group(connection: AsyncConnection, tenant: Tenant, group_id: str) -> list[Order]:
    """Every order of a group, oldest first (a group holds at most 1000)."""
    return await _orders_oldest_first(connection, tenant, orders.c.payment_group_id == group_id)


async def orders_of_groups(connection: AsyncConnection, group_ids: Sequence[str]) -> list[Order]:
    """Every order of these groups, whatever their tenants (the ids come from a settling transaction),
    oldest first."""
    if not group_ids:
        return []
    statement = select(orders).where(orders.c.payment_group_id.in_(group_ids)).order_by(orders.c.created_at, orders.c.id)
    return [Order.from_row(row) for row in (await connection.execute(statement)).all()]


async def find_any_tenant(connection: AsyncConnection, order_id: str) -> Order | None:
    """An order by id in any tenant. Only for the withdrawal page and `POST /withdrawals`, where the
    order id and its withdrawal token are the shopper's credentials; merchants always go through `get`."""
    statement = select(orders).where(orders.c.id == order_id)
    return _order((await connection.execute(statement)).first())


async def start_withdrawal(
    connection: AsyncConnection, tenant: Tenant, order_id: str, *, token_hash: str, now: datetime
) -> Order | None:
    """CASHBACK_AVAILABLE → CASHBACK_PROCESSING for the holder of the current token, consuming it. A
    conditional write: of two simultaneous withdrawals, the second finds the token gone and changes
    nothing (None)."""
    statement = (
        update(orders)
        .where(
            tenant.owns(orders),
            orders.c.id == order_id,
            orders.c.status == OrderStatus.CASHBACK_AVAILABLE,
            orders.c.withdrawal_token_hash == token_hash,
            orders.c.amount_cashback > 0,
        )
        .values(status=OrderStatus.CASHBACK_PROCESSING, withdrawal_token_hash=None, updated_at=now)
        .returning(orders)
    )
    return _order((await connection.execute(statement)).first())


async def finish_withdrawals(
    connection: AsyncConnection, tenant: Tenant, order_ids: list[str], *, now: datetime
) -> list[Order]:
    """CASHBACK_PROCESSING → CASHBACK_SENT for orders whose transfer was executed."""
    if not order_ids:
        return []
    statement = (
        update(orders)
        .where(
            tenant.owns(orders), orders.c.id.in_(order_ids), orders.c.status == OrderStatus.CASHBACK_PROCESSING
        )
        .values(status=OrderStatus.CASHBACK_SENT, updated_at=now)
        .returning(orders)
    )
    return [Order.from_row(row) for row in (await connection.execute(statement)).all()]


async def reopen_withdrawal(
    connection: AsyncConnection, tenant: Tenant, order_id: str, *, now: datetime
) -> Order | None:
    """CASHBACK_PROCESSING → CASHBACK_AVAILABLE after the transfer failed, without a token until the email
    consumer issues the fresh one it sends."""
    statement = (
        update(orders)
        .where(tenant.owns(orders), orders.c.id == order_id, orders.c.status == OrderStatus.CASHBACK_PROCESSING)
        .values(status=OrderStatus.CASHBACK_AVAILABLE, withdrawal_token_hash=None, updated_at=now)
        .returning(orders)
    )
    return _order((await connection.execute(statement)).first())


async def get_many(connection: AsyncConnection, tenant: Tenant, order_ids: set[str]) -> dict[str, Order]:
    if not order_ids:
        return {}
    statement = select(orders).where(tenant.owns(orders), orders.c.id.in_(order_ids))
    found = (Order.from_row(row) for row in (await connection.execute(statement)).all())
    return {order.id: order for order in found}


async def orders_by_ids(connection: AsyncConnection, order_ids: Sequence[str]) -> list[Order]:
    """Orders by id in any tenant (ids from a change the caller just made, which may span tenants)."""
    if not order_ids:
        return []
    statement = select(orders).where(orders.c.id.in_(order_ids)).order_by(orders.c.created_at, orders.c.id)
    return [Order.from_row(row) for row in (await connection.execute(statement)).all()]


def _withdrawable(*, order_id: str | None, group_id: str | None, since: datetime | None) -> list[Any]:
    conditions = [orders.c.status == OrderStatus.CASHBACK_AVAILABLE, orders.c.amount_cashback > 0]
    if order_id is not None:
        conditions.append(orders.c.id == order_id)
    if group_id is not None:
        conditions.append(orders.c.payment_group_id == group_id)
    if since is not None:
        conditions.append(orders.c.updated_at >= since)
    return conditions


async def count_withdrawable(
    connection: AsyncConnection, *, order_id: str | None, group_id: str | None, since: datetime | None
) -> int:
    statement = select(func.count()).select_from(orders).where(
        *_withdrawable(order_id=order_id, group_id=group_id, since=since)
    )
    return int((await connection.execute(statement)).scalar_one())


async def withdrawable_page(
    connection: AsyncConnection, *, order_id: str | None, group_id: str | None, since: datetime | None,
    after: str, limit: int,
) -> list[tuple[str, str, bool]]:
    """(order id, organization id, livemode) of orders whose cashback waits to be withdrawn, in any tenant,
    by id after `after` (the operator's resend command walks them page by page)."""
    statement = (
        select(orders.c.id, orders.c.organization_id, orders.c.livemode)
        .where(*_withdrawable(order_id=order_id, group_id=group_id, since=since), orders.c.id > after)
        .order_by(orders.c.id)
        .limit(limit)
    )
    return [(row[0], row[1], bool(row[2])) for row in (await connection.execute(statement)).all()]


async def lock(connection: AsyncConnection, tenant: Tenant, order_id: str) -> Order | None:
    """The order, its row locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    statement = select(orders).where(tenant.owns(orders), orders.c.id == order_id).with_for_update()
    return _order((await connection.execute(statement)).first())


async def add_refund(
    connection: AsyncConnection, tenant: Tenant, order_id: str, *, amount: int, application_fee_amount: int,
    actor: str, now: datetime,
) -> Order | None:
    """Raise `amount_refunded` by `amount`, only while it stays within the order's amount (a conditional
    write: of two refunds racing for the last euros, the second finds nothing to refund). None if not."""
    statement = (
        update(orders)
        .where(tenant.owns(orders), orders.c.id == order_id, orders.c.amount_refunded + amount <= orders.c.amount)
        .values(amount_refunded=orders.c.amount_refunded + amount, application_fee_amount=application_fee_amount,
                updated_at=now, updated_by=actor)
        .returning(orders)
    )
    return _order((await connection.execute(statement)).first())


async def orders_of_customer(connection: AsyncConnection, tenant: Tenant, customer_id: str) -> list[Order]:
    """Every order of a customer, oldest first (an access request or an erasure reads them all)."""
    return await _orders_oldest_first(connection, tenant, orders.c.customer_id == customer_id)


async def erase_customer_copies(connection: AsyncConnection, tenant: Tenant, customer_id: str, *, email: str) -> None:
    """The customer's details copied on their orders replaced by the erasure's pseudonym (amounts stay)."""
    await connection.execute(
        update(orders)
        .where(tenant.owns(orders), orders.c.customer_id == customer_id)
        .values(customer_email=email, customer_first_name=None, customer_last_name=None, customer_phone_number=None)
    )


async def replace_metadata(
    connection: AsyncConnection, tenant: Tenant, order_id: str, metadata: dict[str, Any] | None
) -> None:
    await connection.execute(update(orders).where(tenant.owns(orders), orders.c.id == order_id).values(metadata=metadata))
