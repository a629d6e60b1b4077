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
    changed = await repository.make_cashback_available(
        connection, [(item.order_id, item.amount_cashback) for item in planned], now=now
    )
    granted = [item for item in planned if item.order_id in changed]
    fees = {
        participant.order_id: participant.application_fee_amount
        for group in groups
        for participant in group.participants
        if participant.order_id in changed
    }
    await ledger.post_many(connection, _postings(groups, granted, fees))
    return granted


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
