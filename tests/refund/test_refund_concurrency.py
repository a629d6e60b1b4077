"""Refunds racing each other and the group's end on PostgreSQL (issue 10): each in its own connection and
transaction at once; exactly one consistent outcome, whoever wins."""

from __future__ import annotations

import asyncio

from kohort.db import Database
from kohort.errors import KohortError
from kohort.kit import clock
from kohort.referral_group import settlement
from kohort.refund import service as refund_service
from kohort.refund.schemas import RefundCreate
from kohort.tenant import Tenant
from tests.factories.merchant import Merchant
from tests.factories.referral_group import books, group_with_orders, set_settings
from tests.factories.refund import order

LADDER = [{"participantsToUnlock": 2, "value": 5}, {"participantsToUnlock": 3, "value": 10}]


async def _refund(database: Database, tenant: Tenant, order_id: str, amount: int | None) -> str:
    """"refunded", or the refusal's code."""
    try:
        async with database.transaction() as connection:
            await refund_service.refund_order(connection, tenant, "key_test", order_id, RefundCreate(amount=amount))
    except KohortError as error:
        return error.code
    return "refunded"


async def test_concurrent_refunds_never_exceed_the_order(
    database: Database, merchant: Merchant, postgres_only: str
) -> None:
    placed = await merchant.order(amount=10_000)
    tenant = Tenant(merchant.id, False)
    outcomes = await asyncio.gather(*(_refund(database, tenant, placed["id"], 3_000) for _ in range(12)))
    assert sorted(outcomes) == ["REFUND_EXCEEDS_AMOUNT"] * 9 + ["refunded"] * 3
    assert (await order(merchant, placed["id"]))["amountRefunded"] == 9_000
    assert (await merchant.get(f"/orders/{placed['id']}/refunds")).json()["count"] == 3


async def test_a_refund_racing_the_group_end_leaves_one_consistent_outcome(
    database: Database, merchant: Merchant, postgres_only: str
) -> None:
    await set_settings(merchant, discountLevels=LADDER, maxParticipants=10)
    tenant = Tenant(merchant.id, False)
    for _ in range(5):
        group_id, (owner, bob, carol) = await group_with_orders(merchant, [10_000, 10_000, 10_000])

        async def end(group_id: str) -> None:
            async with database.transaction() as connection:
                await settlement.end_group_now(connection, tenant, group_id, now=clock.now())

        _, refunded = await asyncio.gather(end(group_id), _refund(database, tenant, carol["id"], None))
        assert refunded == "refunded"
        # Refund first: two participants, 5 % each. End first (no hold here): the cashback is released, and
        # the refund takes only Carol's own. Either way Carol earns nothing and the books balance.
        cashback = [(await order(merchant, item["id"]))["amountCashback"] for item in (owner, bob, carol)]
        assert cashback in ([500, 500, 0], [1_000, 1_000, 0])
        await books(database, merchant)  # the ledger check finds nothing wrong
