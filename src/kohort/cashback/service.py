"""Granting the cashback of completed groups, in bulk: every order of the group gets the level's
cashback on its own amount, and the money is posted to the ledger. Withdrawal tokens are issued apart
(`issue_withdrawal_tokens`), by whoever writes the link that carries them.

Exactly once: an order moves CREATED → CASHBACK_AVAILABLE by a conditional write, only orders that
moved are posted, and the posting's idempotency key (`settlement:{group_id}`) is unique.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.cashback import repository
from kohort.cashback.rules import cashback_amount
from kohort.kit.ids import hash_secret, new_secret
from kohort.ledger import service as ledger
from kohort.ledger.accounts import Account
from kohort.tenant import Tenant

WITHDRAWAL_TOKEN_BYTES = 32  # 256 bits from the OS CSPRNG


class Participant(NamedTuple):
    order_id: str
    amount: int
    # Fixed when the order joined (0 for the group's owner); owed to the platform once the group completes.
    application_fee_amount: int


@dataclass(frozen=True, slots=True)
class CompletedGroup:
    group_id: str
    tenant: Tenant
    discount_type: str
    # The value of the level the group reached (percent or whole euros), 0 if none.
    discount_value: int
    participants: Sequence[Participant]
    # The end of the group's cashback hold; None when the cashback is withdrawable at once (no hold).
    held_until: datetime | None = None


class CashbackGranted(NamedTuple):
    """One order's cashback, as it became available."""

    order_id: str
    group_id: str
    tenant: Tenant
    amount_cashback: int
    discount_type: str
    discount_value: int


def settlement_key(group_id: str) -> str:
    return f"settlement:{group_id}"


async def grant(connection: AsyncConnection, groups: Sequence[CompletedGroup], *, now: datetime) -> list[CashbackGranted]:
    """Make the cashback of every participant of these just-completed groups available and post it."""
    planned: list[CashbackGranted] = []
    for group in groups:
        for participant in group.participants:
            planned.append(
                CashbackGranted(
                    order_id=participant.order_id,
                    group_id=group.group_id,
                    tenant=group.tenant,
                    amount_cashback=cashback_amount(
                        discount_type=group.discount_type, value=group.discount_value, amount=participant.amount
                    ),
                    discount_type=group.discount_type,
                    discount_value=group.discount_value,
                )
            )
    by_hold: dict[datetime | None, list[tuple[str, int]]] = {}
    holds = {group.group_id: group.held_until for group in groups}
    for item in planned:
        by_hold.setdefault(holds[item.group_id], []).append((item.order_id, item.amount_cashback))
    changed: set[str] = set()
    for held_until, grants in by_hold.items():  # one statement per hold end: a few per batch
        changed |= await repository.make_cashback_available(connection, grants, now=now, held_until=held_until)
    granted = [item for item in planned if item.order_id in changed]
    fees = {
        participant.order_id: participant.application_fee_amount
        for group in groups
        for participant in group.participants
        if participant.order_id in changed
    }
    await ledger.post_many(connection, _postings(groups, granted, fees))
    await net_receivables(connection, [item.order_id for item in granted if holds[item.group_id] is None], now=now)
    return granted


async def release(connection: AsyncConnection, group_ids: Sequence[str], *, now: datetime) -> list[str]:
    """The held cashback of these groups (whose hold the caller just ended) becomes withdrawable, less
    what its shoppers owe back (`net_receivables`). The liability was recorded when the group completed."""
    released = await repository.release_held(connection, group_ids, now=now)
    await net_receivables(connection, released, now=now)
    return released


def netting_key(order_id: str, occasion: str | None = None) -> str:
    return f"netting:{order_id}" if occasion is None else f"netting:{order_id}:{occasion}"


async def net_receivables(
    connection: AsyncConnection, order_ids: Sequence[str], *, now: datetime, occasion: str | None = None
) -> int:
    """Deduct what each shopper owes this merchant (receivables left by refunds of cashback already paid)
    from the cashback of theirs these orders just released, oldest debt first: the order keeps what is
    left to withdraw (`amount_cashback`) and the deduction (`cashback_netted`), the ledger moves as much
    from the order's liability to the debtor orders' receivables (RECEIVABLE_NETTED).

    Exactly once per order and `occasion` (None: the release of its cashback; a failed payout's id when
    the cashback comes back): the posting's key is unique, and the order only changes once it is written.
    The caller holds the orders' rows (it just released them). Two releases for the same shopper never
    deduct one debt twice: the shopper's row is locked before the debt is read again, so the second reads
    what the first left. Returns the cents netted."""
    candidates = await repository.nettable_orders(connection, order_ids)
    by_tenant: dict[Tenant, list[tuple[str, str, int]]] = {}
    for order_id, tenant, customer_id, cashback in candidates:
        by_tenant.setdefault(tenant, []).append((order_id, customer_id, cashback))
    netted_total = 0
    # Tenants in one order and customers sorted within each: two releases lock shoppers in the same order.
    for tenant, items in sorted(by_tenant.items(), key=lambda item: (item[0].organization_id, item[0].livemode)):
        customer_ids = sorted({customer_id for _, customer_id, _ in items})
        # Most shoppers owe nothing: look first, lock only the debtors, then read their debts again.
        indebted = sorted({row[0] for row in await ledger.receivables_of_customers(connection, tenant, customer_ids)})
        if not indebted:
            continue
        await repository.lock_customers(connection, tenant, indebted)
        # Per shopper: what each debtor order of theirs still owes, oldest first (consumed as it is netted).
        debts: dict[str, dict[str, int]] = {}
        for customer_id, debtor_order_id, owed in await ledger.receivables_of_customers(connection, tenant, indebted):
            if owed > 0:
                debts.setdefault(customer_id, {})[debtor_order_id] = owed
        for order_id, customer_id, cashback in items:
            netted_total += await _net_one(connection, tenant, order_id, cashback, debts.get(customer_id, {}),
                                           key=netting_key(order_id, occasion), now=now)
    return netted_total


async def _net_one(
    connection: AsyncConnection, tenant: Tenant, order_id: str, cashback: int, debts: dict[str, int], *, key: str,
    now: datetime,
) -> int:
    """Net one order's cashback against its shopper's debts (debtor order id → cents, updated in place)."""
    taken: dict[str, int] = {}
    left = cashback
    for debtor_order_id, owed in debts.items():
        if left and owed:
            taken[debtor_order_id] = min(left, owed)
            left -= taken[debtor_order_id]
    netted = cashback - left
    if not netted:
        return 0
    entries = [ledger.Entry(Account.CASHBACK_LIABILITY, netted, order_id=order_id)]
    entries += [ledger.Entry(Account.CASHBACK_RECEIVABLE, -amount, order_id=debtor_order_id)
                for debtor_order_id, amount in taken.items()]
    posting = ledger.Posting(tenant=tenant, kind=ledger.PostingKind.RECEIVABLE_NETTED, idempotency_key=key,
                             entries=entries)
    if not await ledger.post(connection, posting):
        return 0  # netted on this occasion already
    if not await repository.record_netting(connection, tenant, order_id, netted, now=now):
        # The caller holds the order's row, read available a moment ago: books and order must not part.
        raise RuntimeError(f"order {order_id} changed while its cashback was being netted")
    for debtor_order_id, amount in taken.items():
        debts[debtor_order_id] -= amount
    return netted


async def cashback_owed(connection: AsyncConnection, tenant: Tenant, customer_ids: Sequence[str]) -> dict[str, int]:
    """What each of these shoppers owes this merchant back, in cents (the receivables of their orders not
    yet netted); 0 for those who owe nothing. Read from the ledger: there is no second copy to drift."""
    owed = dict.fromkeys(customer_ids, 0)
    for customer_id, _, balance in await ledger.receivables_of_customers(connection, tenant, list(customer_ids)):
        owed[customer_id] += balance
    return owed


async def issue_withdrawal_tokens(
    connection: AsyncConnection, order_ids: Sequence[str], *, now: datetime
) -> dict[str, str]:
    """A fresh single-use token for each of these orders whose cashback is available, replacing any
    earlier one (which stops working). Returns the raw tokens by order id, for the link that carries
    them: they exist only in memory (the database keeps their hash) and must never be logged."""
    tokens = {order_id: new_secret(WITHDRAWAL_TOKEN_BYTES) for order_id in dict.fromkeys(order_ids)}
    changed = await repository.set_withdrawal_tokens(
        connection, [(order_id, hash_secret(token)) for order_id, token in tokens.items()], now=now
    )
    return {order_id: token for order_id, token in tokens.items() if order_id in changed}


def _postings(
    groups: Sequence[CompletedGroup], granted: Sequence[CashbackGranted], fees: dict[str, int]
) -> list[ledger.Posting]:
    """Per group: the merchant's cashback expense against its liability to each shopper, and the
    acquisition fees of the joiners against what the merchant owes the platform."""
    by_group: dict[str, list[CashbackGranted]] = {}
    for item in granted:
        by_group.setdefault(item.group_id, []).append(item)
    postings = []
    for group in groups:
        items = by_group.get(group.group_id, [])
        cashback_total = sum(item.amount_cashback for item in items)
        fee_total = sum(fees[item.order_id] for item in items)
        if not cashback_total and not fee_total:
            continue
        entries = [ledger.Entry(Account.CASHBACK_EXPENSE, cashback_total)]
        entries += [
            ledger.Entry(Account.CASHBACK_LIABILITY, -item.amount_cashback, order_id=item.order_id) for item in items
        ]
        entries += [
            ledger.Entry(Account.ACQUISITION_FEE_EXPENSE, fee_total),
            ledger.Entry(Account.PLATFORM_FEES_PAYABLE, -fee_total),
        ]
        postings.append(
            ledger.Posting(
                tenant=group.tenant, kind=ledger.PostingKind.GROUP_SETTLED, idempotency_key=settlement_key(group.group_id),
                entries=entries,
            )
        )
    return postings


@dataclass(frozen=True, slots=True)
class CashbackChange:
    """What a refund does to one order's cashback: `before` is what the order shows (withdrawable, or paid),
    `after` what it shows afterwards, `owed` what its shopper owes back from now on (a receivable): the
    part of the cut that cannot come off the withdrawable amount because it was already paid, is in a
    transfer under way, or already went to pay an earlier debt (netted). Paid cashback keeps showing what
    was paid (`after == before`)."""

    order_id: str
    before: int
    after: int
    owed: int = 0


def refund_key(refund_id: str) -> str:
    return f"refund:{refund_id}"


async def reprice(
    connection: AsyncConnection, tenant: Tenant, *, refund_id: str, changes: Sequence[CashbackChange],
    fee_change: int, now: datetime,
) -> None:
    """Record what a refund changed in a settled group's cashback and fees: the orders' new amounts and
    one posting of the differences (keyed by the refund, so never twice). The caller holds the group's lock."""
    changed = [change for change in changes if change.after != change.before]
    await repository.set_cashback(connection, tenant, {change.order_id: change.after for change in changed}, now=now)
    entries = [
        ledger.Entry(Account.CASHBACK_LIABILITY, change.before - change.after, order_id=change.order_id)
        for change in changed
    ]
    entries += [
        ledger.Entry(Account.CASHBACK_RECEIVABLE, change.owed, order_id=change.order_id) for change in changes if change.owed
    ]
    entries.append(ledger.Entry(
        Account.CASHBACK_EXPENSE, sum(change.after - change.before - change.owed for change in changes)
    ))
    entries += [ledger.Entry(Account.ACQUISITION_FEE_EXPENSE, fee_change),
                ledger.Entry(Account.PLATFORM_FEES_PAYABLE, -fee_change)]
    if any(entry.amount for entry in entries):
        await ledger.post(connection, ledger.Posting(
            tenant=tenant, kind=ledger.PostingKind.REFUND_ADJUSTED, idempotency_key=refund_key(refund_id),
            entries=entries,
        ))


async def owed_on_order(connection: AsyncConnection, tenant: Tenant, order_id: str) -> int:
    """What refunds of this order left its shopper owing, in all (netted since or not)."""
    return await ledger.receivable_raised(connection, tenant, order_id)
