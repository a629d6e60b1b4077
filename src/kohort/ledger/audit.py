"""The ledger's invariants, checked against the orders (`kohort ledger check` and the tests):

1. every posting sums to zero and stays within one tenant, and every entry belongs to a posting;
2. for every (organization, mode), what the ledger says is owed to shoppers (minus the cashback
   liability balance) equals the sum of `amountCashback` of the orders whose cashback is available;
   and order by order;
3. for every (organization, mode), the fees owed to the platform equal the sum of
   `applicationFeeAmount` of the orders of completed groups.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.ledger import repository
from kohort.ledger.accounts import Account
from kohort.models import OrderStatus

# Orders whose cashback the merchant still owes the shopper. Withdrawal moves an order to
# CASHBACK_PROCESSING and its liability to CASHBACK_IN_TRANSIT in the same transaction.
CASHBACK_OWED_STATUSES = (OrderStatus.CASHBACK_PENDING, OrderStatus.CASHBACK_AVAILABLE)
REPORT_LIMIT = 20


def _tenant(key: tuple[str, bool]) -> str:
    return f"{key[0]} ({'live' if key[1] else 'test'})"


async def violations(connection: AsyncConnection, *, organization_id: str | None = None) -> list[str]:
    """Every broken invariant, as readable lines; empty when the books are right. All organizations, or
    only `organization_id`."""
    found: list[str] = []
    for transaction_id, total in await repository.unbalanced_transactions(
        connection, organization_id=organization_id, limit=REPORT_LIMIT
    ):
        found.append(f"posting {transaction_id} is unbalanced ({total:+d} cents) or mixes tenants")
    for transaction_id in await repository.orphan_entries(connection, organization_id=organization_id, limit=REPORT_LIMIT):
        found.append(f"entries name posting {transaction_id}, which does not exist")

    liability = await repository.account_totals(connection, Account.CASHBACK_LIABILITY, organization_id=organization_id)
    owed = await repository.cashback_totals(
        connection, CASHBACK_OWED_STATUSES, organization_id=organization_id
    )
    for key in sorted(set(liability) | set(owed)):
        in_ledger, in_orders = -liability.get(key, 0), owed.get(key, 0)
        if in_ledger != in_orders:
            found.append(f"{_tenant(key)}: cashback liability {in_ledger} != available cashback of orders {in_orders}")
    for order_id, in_orders, in_ledger in await repository.order_liability_mismatches(
        connection, Account.CASHBACK_LIABILITY, CASHBACK_OWED_STATUSES, organization_id=organization_id,
        limit=REPORT_LIMIT,
    ):
        found.append(f"order {order_id}: owed {in_orders} but the ledger holds {in_ledger}")

    # Withdrawn cashback on its way to the shopper's bank: what is in transit equals the
    # cashback of the orders whose payout is under way.
    in_transit = await repository.account_totals(
        connection, Account.CASHBACK_IN_TRANSIT, organization_id=organization_id
    )
    processing = await repository.cashback_totals(connection, (OrderStatus.CASHBACK_PROCESSING,), organization_id=organization_id)
    for key in sorted(set(in_transit) | {key for key, total in processing.items() if total}):
        in_ledger, in_orders = -in_transit.get(key, 0), processing.get(key, 0)
        if in_ledger != in_orders:
            found.append(f"{_tenant(key)}: cashback in transit {in_ledger} != cashback of orders being paid {in_orders}")

    payable = await repository.account_totals(
        connection, Account.PLATFORM_FEES_PAYABLE, organization_id=organization_id
    )
    fees = await repository.fee_totals(connection, organization_id=organization_id)
    for key in sorted(set(payable) | {key for key, total in fees.items() if total}):
        in_ledger, in_orders = -payable.get(key, 0), fees.get(key, 0)
        if in_ledger != in_orders:
            found.append(f"{_tenant(key)}: platform fees payable {in_ledger} != fees of completed orders {in_orders}")
    return found
