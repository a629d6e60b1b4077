"""Queries for the ledger tables. Inserts only: entries are never updated nor deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select, true, union
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import bulk_insert, insert_ignoring_conflicts
from kohort.ledger.accounts import Account
from kohort.ledger.domain import (
    AuditBatch,
    AuditGroup,
    AuditOrder,
    AuditPayout,
    AuditRefunds,
    Entry,
    LedgerEntry,
    LedgerTransaction,
    Posting,
    PostingLine,
)
from kohort.models import (
    GroupStatus,
    OrderStatus,
    RefundStage,
    ledger_entries,
    ledger_transactions,
    orders,
    payment_groups,
    payout_batches,
    payouts,
    refunds,
)
from kohort.tenant import Tenant

# A posting about to be written: the posting, its transaction id and its checked non-zero entries.
CheckedPosting = tuple[Posting, str, Sequence[Entry]]


def _header(posting: Posting, transaction_id: str, now: datetime) -> dict[str, Any]:
    return {
        "id": transaction_id,
        "organization_id": posting.tenant.organization_id,
        "livemode": posting.tenant.livemode,
        "kind": posting.kind,
        "idempotency_key": posting.idempotency_key,
        "reverses_id": posting.reverses_id,
        "created_at": now,
    }


async def insert_transaction_unless_posted(
    connection: AsyncConnection, posting: Posting, transaction_id: str, now: datetime
) -> bool:
    """Insert one posting header; False when its idempotency key was already used."""
    statement = (
        insert_ignoring_conflicts(connection, ledger_transactions, ["idempotency_key"])
        .values(**_header(posting, transaction_id, now))
        .returning(ledger_transactions.c.id)
    )
    return (await connection.execute(statement)).scalar_one_or_none() is not None


async def insert_transactions(connection: AsyncConnection, postings: Sequence[CheckedPosting], now: datetime) -> None:
    """Every header at once; a key already posted fails the whole insert (IntegrityError)."""
    rows = [_header(posting, transaction_id, now) for posting, transaction_id, _ in postings]
    await bulk_insert(connection, ledger_transactions, rows)


async def insert_entries(connection: AsyncConnection, postings: Sequence[CheckedPosting], now: datetime) -> None:
    rows = [
        {
            "transaction_id": transaction_id,
            "line": line,
            "organization_id": posting.tenant.organization_id,
            "livemode": posting.tenant.livemode,
            "account": entry.account,
            "order_id": entry.order_id,
            "amount": entry.amount,
            "created_at": now,
        }
        for posting, transaction_id, entries in postings
        for line, entry in enumerate(entries, start=1)
    ]
    await bulk_insert(connection, ledger_entries, rows)


async def find_transaction(connection: AsyncConnection, tenant: Tenant, idempotency_key: str) -> LedgerTransaction | None:
    statement = select(ledger_transactions).where(
        tenant.owns(ledger_transactions), ledger_transactions.c.idempotency_key == idempotency_key
    )
    row = (await connection.execute(statement)).first()
    return LedgerTransaction.from_row(row) if row is not None else None


async def entries_of(connection: AsyncConnection, transaction_id: str) -> list[LedgerEntry]:
    statement = select(ledger_entries).where(ledger_entries.c.transaction_id == transaction_id).order_by(
        ledger_entries.c.line
    )
    return [LedgerEntry.from_row(row) for row in (await connection.execute(statement)).all()]


async def postings_of_order(connection: AsyncConnection, tenant: Tenant, order_id: str) -> list[LedgerTransaction]:
    """The postings with an entry about this order, oldest first (its history in the books)."""
    about = select(ledger_entries.c.transaction_id).where(
        tenant.owns(ledger_entries), ledger_entries.c.order_id == order_id
    )
    statement = (
        select(ledger_transactions)
        .where(tenant.owns(ledger_transactions), ledger_transactions.c.id.in_(about))
        .order_by(ledger_transactions.c.created_at, ledger_transactions.c.id)
    )
    return [LedgerTransaction.from_row(row) for row in (await connection.execute(statement)).all()]


async def balance(connection: AsyncConnection, tenant: Tenant, account: Account, *, order_id: str | None = None) -> int:
    statement = select(func.coalesce(func.sum(ledger_entries.c.amount), 0)).where(
        tenant.owns(ledger_entries), ledger_entries.c.account == account
    )
    if order_id is not None:
        statement = statement.where(ledger_entries.c.order_id == order_id)
    return int((await connection.execute(statement)).scalar_one())


async def balances(connection: AsyncConnection, tenant: Tenant) -> dict[Account, int]:
    statement = (
        select(ledger_entries.c.account, func.sum(ledger_entries.c.amount))
        .where(tenant.owns(ledger_entries))
        .group_by(ledger_entries.c.account)
    )
    return {Account(account): int(total) for account, total in (await connection.execute(statement)).all()}


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
    connection: AsyncConnection, account: Account, *, organization_id: str | None
) -> dict[tuple[str, bool], int]:
    """Balance of `account` per (organization, livemode)."""
    statement = (
        select(ledger_entries.c.organization_id, ledger_entries.c.livemode, func.sum(ledger_entries.c.amount))
        .where(ledger_entries.c.account == account, _only(ledger_entries, organization_id))
        .group_by(ledger_entries.c.organization_id, ledger_entries.c.livemode)
    )
    return {(row[0], bool(row[1])): int(row[2]) for row in (await connection.execute(statement)).all()}


async def cashback_totals(
    connection: AsyncConnection, statuses: Sequence[OrderStatus], *, organization_id: str | None
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
        .where(payment_groups.c.status == GroupStatus.COMPLETED, _only(orders, organization_id))
        .group_by(orders.c.organization_id, orders.c.livemode)
    )
    return {(row[0], bool(row[1])): int(row[2]) for row in (await connection.execute(statement)).all()}


async def order_liability_mismatches(
    connection: AsyncConnection, account: Account, statuses: Sequence[OrderStatus], *, organization_id: str | None, limit: int
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


# The reconciliation (`kohort ledger check`) reads, one tenant at a time, the books and everything they
# record: orders, groups, refunds, payouts and batches. Read-only; the operator's check, not a merchant
# query.


async def audited_tenants(connection: AsyncConnection, *, organization_id: str | None) -> list[Tenant]:
    """Every (organization, mode) with orders, postings or payouts."""
    statement = union(*(
        select(table.c.organization_id, table.c.livemode).where(_only(table, organization_id)).distinct()
        for table in (orders, ledger_transactions, ledger_entries, payouts)
    ))
    rows = (await connection.execute(statement)).all()
    return sorted({Tenant(row[0], bool(row[1])) for row in rows}, key=lambda tenant: (tenant.organization_id, tenant.livemode))


async def audited_orders(connection: AsyncConnection, tenant: Tenant) -> list[AuditOrder]:
    statement = select(
        orders.c.id, orders.c.payment_group_id, orders.c.amount, orders.c.amount_refunded, orders.c.amount_cashback,
        orders.c.application_fee_amount, orders.c.application_fee_basis_points, orders.c.status,
        orders.c.cashback_netted,
    ).where(tenant.owns(orders))
    return [AuditOrder(*row) for row in (await connection.execute(statement)).all()]


async def audited_groups(connection: AsyncConnection, tenant: Tenant) -> dict[str, AuditGroup]:
    statement = select(
        payment_groups.c.id, payment_groups.c.status, payment_groups.c.participant_count,
        payment_groups.c.discount_type, payment_groups.c.discount_levels,
        payment_groups.c.cashback_released_at.is_not(None),
    ).where(tenant.owns(payment_groups))
    return {row[0]: AuditGroup(row[0], row[1], row[2], row[3], row[4], bool(row[5])) for row in (await connection.execute(statement)).all()}


async def audited_refunds(connection: AsyncConnection, tenant: Tenant) -> tuple[dict[str, AuditRefunds], set[str]]:
    """Per order, its refunds' totals; and the ids of every refund (postings name them)."""
    before_release = func.sum(case((refunds.c.stage == RefundStage.AFTER_HOLD, 0), else_=refunds.c.amount))
    statement = (
        select(refunds.c.order_id, func.sum(refunds.c.amount), before_release)
        .where(tenant.owns(refunds))
        .group_by(refunds.c.order_id)
    )
    totals = {row[0]: AuditRefunds(int(row[1]), int(row[2])) for row in (await connection.execute(statement)).all()}
    ids = set((await connection.execute(select(refunds.c.id).where(tenant.owns(refunds)))).scalars())
    return totals, ids


async def audited_payouts(connection: AsyncConnection, tenant: Tenant) -> list[AuditPayout]:
    statement = select(
        payouts.c.id, payouts.c.order_id, payouts.c.amount, payouts.c.status, payouts.c.batch_id
    ).where(tenant.owns(payouts))
    return [AuditPayout(*row) for row in (await connection.execute(statement)).all()]


async def audited_batches(connection: AsyncConnection, tenant: Tenant) -> list[AuditBatch]:
    statement = select(
        payout_batches.c.id, payout_batches.c.status, payout_batches.c.payout_count, payout_batches.c.total_amount
    ).where(tenant.owns(payout_batches))
    return [AuditBatch(*row) for row in (await connection.execute(statement)).all()]


async def count_postings(connection: AsyncConnection, tenant: Tenant) -> int:
    statement = select(func.count()).select_from(ledger_transactions).where(tenant.owns(ledger_transactions))
    return int((await connection.execute(statement)).scalar_one())


async def posting_lines(
    connection: AsyncConnection, tenant: Tenant, *, after: str | None, limit: int
) -> tuple[list[PostingLine], str | None]:
    """The next `limit` postings of the tenant after id `after` (in id order), each with its entries in line
    order; and the last posting id read (None when there are no more). Entries that stray to another tenant
    are read with their posting: the audit reports them."""
    headers = (
        select(ledger_transactions.c.id)
        .where(tenant.owns(ledger_transactions), *([ledger_transactions.c.id > after] if after is not None else []))
        .order_by(ledger_transactions.c.id)
        .limit(limit)
        .subquery()
    )
    statement = (
        select(
            ledger_transactions.c.id, ledger_transactions.c.kind, ledger_transactions.c.idempotency_key,
            ledger_transactions.c.reverses_id, ledger_entries.c.line, ledger_entries.c.account,
            ledger_entries.c.order_id, ledger_entries.c.amount,
        )
        .select_from(
            ledger_transactions.join(headers, headers.c.id == ledger_transactions.c.id).outerjoin(
                ledger_entries, ledger_entries.c.transaction_id == ledger_transactions.c.id
            )
        )
        .order_by(ledger_transactions.c.id, ledger_entries.c.line)
    )
    lines = [PostingLine(*row) for row in (await connection.execute(statement)).all()]
    return lines, (lines[-1].transaction_id if lines else None)


async def transaction_kinds(connection: AsyncConnection, transaction_ids: Sequence[str]) -> dict[str, tuple[str, bool, str]]:
    """(organization, livemode, kind) of these postings (the originals that reversals name)."""
    if not transaction_ids:
        return {}
    statement = select(
        ledger_transactions.c.id, ledger_transactions.c.organization_id, ledger_transactions.c.livemode,
        ledger_transactions.c.kind,
    ).where(ledger_transactions.c.id.in_(transaction_ids))
    return {row[0]: (row[1], bool(row[2]), row[3]) for row in (await connection.execute(statement)).all()}


async def receivables_of_customers(
    connection: AsyncConnection, tenant: Tenant, customer_ids: Sequence[str]
) -> list[tuple[str, str, int]]:
    """(customer id, order id, balance) of every order of these customers whose receivable is not settled,
    oldest order first: what each shopper owes back, order by order."""
    if not customer_ids:
        return []
    total = func.sum(ledger_entries.c.amount)
    statement = (
        select(orders.c.customer_id, orders.c.id, total)
        .select_from(ledger_entries.join(orders, orders.c.id == ledger_entries.c.order_id))
        .where(
            tenant.owns(ledger_entries), tenant.owns(orders), orders.c.customer_id.in_(customer_ids),
            ledger_entries.c.account == Account.CASHBACK_RECEIVABLE,
        )
        .group_by(orders.c.customer_id, orders.c.id, orders.c.created_at)
        .having(total != 0)
        .order_by(orders.c.created_at, orders.c.id)
    )
    return [(row[0], row[1], int(row[2])) for row in (await connection.execute(statement)).all()]


async def receivable_raised(connection: AsyncConnection, tenant: Tenant, order_id: str) -> int:
    statement = select(func.coalesce(func.sum(ledger_entries.c.amount), 0)).where(
        tenant.owns(ledger_entries), ledger_entries.c.order_id == order_id,
        ledger_entries.c.account == Account.CASHBACK_RECEIVABLE, ledger_entries.c.amount > 0,
    )
    return int((await connection.execute(statement)).scalar_one())
