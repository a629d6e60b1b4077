"""Queries for the ledger tables. Inserts only: entries are never updated nor deleted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import bulk_insert, insert_ignoring_conflicts
from kohort.models import ledger_entries, ledger_transactions, orders, payment_groups
from kohort.tenant import Tenant


async def insert_transaction_unless_posted(connection: AsyncConnection, values: dict[str, Any]) -> bool:
    """Insert one posting header; False when its idempotency key was already used."""
    statement = (
        insert_ignoring_conflicts(connection, ledger_transactions, ["idempotency_key"])
        .values(**values)
        .returning(ledger_transactions.c.id)
    )
    return (await connection.execute(statement)).scalar_one_or_none() is not None


async def insert_transactions(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    await bulk_insert(connection, ledger_transactions, list(rows))


async def insert_entries(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    await bulk_insert(connection, ledger_entries, list(rows))


async def find_transaction(connection: AsyncConnection, tenant: Tenant, idempotency_key: str) -> RowMapping | None:
    statement = select(ledger_transactions).where(
        tenant.owns(ledger_transactions), ledger_transactions.c.idempotency_key == idempotency_key
    )
    return (await connection.execute(statement)).mappings().first()


async def entries_of(connection: AsyncConnection, transaction_id: str) -> list[RowMapping]:
    statement = select(ledger_entries).where(ledger_entries.c.transaction_id == transaction_id).order_by(
        ledger_entries.c.line
    )
    return list((await connection.execute(statement)).mappings())


async def balance(connection: AsyncConnection, tenant: Tenant, account: str, *, order_id: str | None = None) -> int:
    statement = select(func.coalesce(func.sum(ledger_entries.c.amount), 0)).where(
        tenant.owns(ledger_entries), ledger_entries.c.account == account
    )
    if order_id is not None:
        statement = statement.where(ledger_entries.c.order_id == order_id)
    return int((await connection.execute(statement)).scalar_one())


async def balances(connection: AsyncConnection, tenant: Tenant) -> dict[str, int]:
    statement = (
        select(ledger_entries.c.account, func.sum(ledger_entries.c.amount))
        .where(tenant.owns(ledger_entries))
        .group_by(ledger_entries.c.account)
    )
    return {account: int(total) for account, total in (await connection.execute(statement)).all()}


# The audit below reads every tenant at once: it is the operator's check (`kohort ledger check`), not a
# merchant query.


def _only(table: Any, organization_id: str | None) -> Any:
    return table.c.organization_id == organization_id if organization_id is not None else true()


async def unbalanced_transactions(
    connection: AsyncConnection, *, organization_id: str | None, limit: int
) -> list[tuple[str, int]]:
    """Postings whose entries do not sum to zero, or whose entries stray from the posting's tenant."""
    mixed = func.count(
        case(
            (
                and_(
                    ledger_entries.c.organization_id == ledger_transactions.c.organization_id,
                    ledger_entries.c.livemode == ledger_transactions.c.livemode,
                ),
                None,
            ),
            else_=1,
        )
    )
    statement = (
        select(ledger_entries.c.transaction_id, func.sum(ledger_entries.c.amount))
        .join(ledger_transactions, ledger_transactions.c.id == ledger_entries.c.transaction_id)
        .where(_only(ledger_transactions, organization_id))
        .group_by(ledger_entries.c.transaction_id)
        .having((func.sum(ledger_entries.c.amount) != 0) | (mixed > 0))
        .limit(limit)
    )
    return [(row[0], int(row[1])) for row in (await connection.execute(statement)).all()]


async def orphan_entries(connection: AsyncConnection, *, organization_id: str | None, limit: int) -> list[str]:
    """Postings named by entries but missing from ledger_transactions (there is no foreign key)."""
    statement = (
        select(ledger_entries.c.transaction_id)
        .outerjoin(ledger_transactions, ledger_transactions.c.id == ledger_entries.c.transaction_id)
        .where(ledger_transactions.c.id.is_(None), _only(ledger_entries, organization_id))
        .distinct()
        .limit(limit)
    )
    return list((await connection.execute(statement)).scalars())


async def account_totals(
    connection: AsyncConnection, account: str, *, organization_id: str | None
) -> dict[tuple[str, bool], int]:
    """Balance of `account` per (organization, livemode)."""
    statement = (
        select(ledger_entries.c.organization_id, ledger_entries.c.livemode, func.sum(ledger_entries.c.amount))
        .where(ledger_entries.c.account == account, _only(ledger_entries, organization_id))
        .group_by(ledger_entries.c.organization_id, ledger_entries.c.livemode)
    )
    return {(row[0], bool(row[1])): int(row[2]) for row in (await connection.execute(statement)).all()}


async def cashback_totals(
    connection: AsyncConnection, statuses: Sequence[str], *, organization_id: str | None
) -> dict[tuple[str, bool], int]:
    """Sum of `amount_cashback` of the orders in `statuses`, per (organization, livemode)."""
    statement = (
        select(orders.c.organization_id, orders.c.livemode, func.coalesce(func.sum(orders.c.amount_cashback), 0))
        .where(orders.c.status.in_(statuses), _only(orders, organization_id))
        .group_by(orders.c.organization_id, orders.c.livemode)
    )
    return {(row[0], bool(row[1])): int(row[2]) for row in (await connection.execute(statement)).all()}


async def fee_totals(connection: AsyncConnection, *, organization_id: str | None) -> dict[tuple[str, bool], int]:
    """Sum of `application_fee_amount` of the orders of completed groups, per (organization, livemode)."""
    statement = (
        select(orders.c.organization_id, orders.c.livemode, func.sum(orders.c.application_fee_amount))
        .join(payment_groups, payment_groups.c.id == orders.c.payment_group_id)
        .where(payment_groups.c.status == "COMPLETED", _only(orders, organization_id))
        .group_by(orders.c.organization_id, orders.c.livemode)
    )
    return {(row[0], bool(row[1])): int(row[2]) for row in (await connection.execute(statement)).all()}


async def order_liability_mismatches(
    connection: AsyncConnection, account: str, statuses: Sequence[str], *, organization_id: str | None, limit: int
) -> list[tuple[str, int, int]]:
    """Orders whose own liability entries differ from what they are owed: (order id, owed, ledger)."""
    per_order = (
        select(ledger_entries.c.order_id.label("order_id"), func.sum(ledger_entries.c.amount).label("total"))
        .where(ledger_entries.c.account == account, ledger_entries.c.order_id.is_not(None))
        .group_by(ledger_entries.c.order_id)
        .subquery()
    )
    owed = case((orders.c.status.in_(statuses), func.coalesce(orders.c.amount_cashback, 0)), else_=0)
    in_ledger = -func.coalesce(per_order.c.total, 0)
    statement = (
        select(orders.c.id, owed, in_ledger)
        .select_from(orders.outerjoin(per_order, per_order.c.order_id == orders.c.id))
        .where(owed != in_ledger, _only(orders, organization_id))
        .limit(limit)
    )
    return [(row[0], int(row[1]), int(row[2])) for row in (await connection.execute(statement)).all()]
