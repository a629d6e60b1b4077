"""Settlement worked examples: levels, rounding, 1/2/threshold/max participants, early settlement of a
full group, the test helper, and cancel/expire/settle conflicts. After each event, the books balance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kohort.db import Database
from kohort.kit import clock
from kohort.kit.clock import FrozenClock
from kohort.models import payment_groups
from kohort.referral_group import settlement
from kohort.runtime import Runtime
from kohort.tenant import Tenant
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant
from tests.factories.referral_group import (
    books,
    end_now,
    group_with_orders,
    order_rows,
    owed_to,
    set_fee_rate,
    set_settings,
)

LADDER = [{"participantsToUnlock": 2, "value": 5}, {"participantsToUnlock": 3, "value": 10},
          {"participantsToUnlock": 5, "value": 15}]


@pytest.mark.parametrize(
    ("amounts", "percent"),
    [
        ([12_370, 10_000], 5),
        ([12_370, 10_000, 35_000], 10),
        ([12_370, 10_000, 35_000, 999], 10),
        ([12_370, 10_000, 35_000, 999, 50], 15),
    ],
    ids=["2-orders-level-1", "3-orders-threshold-level-2", "4-orders-still-level-2", "5-orders-level-3"],
)
async def test_a_completed_group_pays_every_order_the_level_reached(
    database: Database, merchant: Merchant, amounts: list[int], percent: int
) -> None:
    await set_settings(merchant, discountType="PERCENTAGE", discountLevels=LADDER, maxParticipants=10)
    group_id, placed = await group_with_orders(merchant, amounts)

    group = await end_now(merchant, group_id)

    assert group["status"] == "COMPLETED"
    assert group["completedAt"] is not None
    expected = [(amount * percent * 2 + 100) // 200 for amount in amounts]  # half-up in integers
    if amounts[0] == 12_370 and percent == 5:
        assert expected[0] == 619
    for order, cashback in zip(placed, expected, strict=True):
        fetched = (await merchant.get(f"/orders/{order['id']}")).json()
        assert fetched["status"] == "CASHBACK_AVAILABLE"
        assert fetched["amountCashback"] == cashback
        assert await owed_to(database, merchant, order["id"]) == cashback
    fees = sum(order["applicationFeeAmount"] for order in placed)
    assert placed[0]["applicationFeeAmount"] == 0
    assert await books(database, merchant) == {
        "cashback_expense": sum(expected), "cashback_liability": -sum(expected),
        "acquisition_fee_expense": fees, "platform_fees_payable": -fees,
    }


async def test_amount_levels_pay_whole_euros_whatever_the_order_amount(database: Database, merchant: Merchant) -> None:
    await set_settings(merchant, discountType="AMOUNT", maxParticipants=10,
                       discountLevels=[{"participantsToUnlock": 2, "value": 5}, {"participantsToUnlock": 4, "value": 12}])
    pair_id, pair = await group_with_orders(merchant, [300, 20_000])
    four_id, four = await group_with_orders(merchant, [300, 20_000, 1_000, 7_777])

    await end_now(merchant, pair_id)
    await end_now(merchant, four_id)

    assert [row["amount_cashback"] for row in await order_rows(database, [o["id"] for o in pair])] == [500, 500]
    assert [row["amount_cashback"] for row in await order_rows(database, [o["id"] for o in four])] == [1200] * 4
    assert (await books(database, merchant))["cashback_liability"] == -(2 * 500 + 4 * 1200)


async def test_a_group_alone_expires_and_its_order_earns_nothing(database: Database, merchant: Merchant) -> None:
    group_id, (order,) = await group_with_orders(merchant, [35_000])

    group = await end_now(merchant, group_id)

    assert group["status"] == "EXPIRED"
    assert group["completedAt"] is None
    (row,) = await order_rows(database, [order["id"]])
    assert row["status"] == "CREATED"
    assert row["amount_cashback"] is None
    assert row["withdrawal_token_hash"] is None
    assert await books(database, merchant) == {}


async def test_a_level_worth_nothing_makes_cashback_available_at_zero(database: Database, merchant: Merchant) -> None:
    await set_settings(merchant, discountType="PERCENTAGE",
                       discountLevels=[{"participantsToUnlock": 2, "value": 0}, {"participantsToUnlock": 3, "value": 5}])
    group_id, placed = await group_with_orders(merchant, [10_000, 20_000])

    await end_now(merchant, group_id)

    rows = await order_rows(database, [order["id"] for order in placed])
    assert [(row["status"], row["amount_cashback"]) for row in rows] == [("CASHBACK_AVAILABLE", 0)] * 2
    fee = placed[1]["applicationFeeAmount"]
    assert await books(database, merchant) == {"acquisition_fee_expense": fee, "platform_fees_payable": -fee}


async def test_a_joining_order_carries_the_acquisition_fee_and_vat(database: Database, merchant: Merchant) -> None:
    owner, friend = (await group_with_orders(merchant, [35_000, 35_000]))[1]
    assert owner["applicationFeeAmount"] == 0
    assert friend["applicationFeeAmount"] == 4_200  # 3 500 + 20 % VAT

    await set_fee_rate(database, merchant, 1250)  # 12.50 %
    late = await merchant.order(amount=12_370, share_code=owner["paymentGroupShareId"])
    assert late["applicationFeeAmount"] == 1_855  # 1 546.25 → 1 546, + 309.2 → 309

    await end_now(merchant, owner["paymentGroupId"])
    assert (await books(database, merchant))["platform_fees_payable"] == -(4_200 + 1_855)


async def test_a_full_group_settles_at_once_without_waiting_for_its_end(
    database: Database, runtime: Runtime, merchant: Merchant, frozen_clock: FrozenClock
) -> None:
    await set_settings(merchant, maxParticipants=3)
    group_id, placed = await group_with_orders(merchant, [10_000, 10_000, 10_000])
    refused = await merchant.post("/orders", json={"amount": 10_000, "customerEmail": "late@example.com",
                                                   "customerFirstName": "A", "customerLastName": "B",
                                                   "paymentGroupShareId": placed[0]["paymentGroupShareId"]})
    assert refused.json()["error"]["code"] == "MAX_PARTICIPANTS_REACHED"

    runner = Runner(runtime)
    await runner.drain()  # the clock has not moved: the group is far from its end (drain: email jobs queue too)

    group = (await merchant.get(f"/groups/{group_id}")).json()
    assert group["status"] == "COMPLETED"
    assert group["completedAt"] < group["expiresAt"]
    assert [row["amount_cashback"] for row in await order_rows(database, [o["id"] for o in placed])] == [500] * 3
    assert (await books(database, merchant))["cashback_liability"] == -1500


async def test_a_group_not_yet_full_nor_ended_is_not_settled_by_its_id(
    database: Database, runtime: Runtime, merchant: Merchant
) -> None:
    group_id, _ = await group_with_orders(merchant, [10_000, 10_000])
    async with database.transaction() as connection:
        done = await settlement.settle_group(connection, Tenant(merchant.id, False), group_id,
                                             now=clock.now())
    assert done.groups == []
    assert (await merchant.get(f"/groups/{group_id}")).json()["status"] == "OPEN"


async def test_the_sweep_settles_every_due_group_once(
    database: Database, runtime: Runtime, merchant: Merchant, frozen_clock: FrozenClock
) -> None:
    alone_id, (alone,) = await group_with_orders(merchant, [5_000])
    pair_id, pair = await group_with_orders(merchant, [12_370, 10_000])
    trio_id, trio = await group_with_orders(merchant, [1_000, 2_000, 3_000])
    running_id, _ = await group_with_orders(merchant, [1_000, 2_000])

    frozen_clock.advance(timedelta(days=7, seconds=1))
    late_id, _ = await group_with_orders(merchant, [1_000, 2_000])  # opened after the others: still running
    runner = Runner(runtime, sweep_batch_size=2)  # several batches
    await runner.drain()
    await runner.drain()

    statuses = {group_id: (await merchant.get(f"/groups/{group_id}")).json()["status"]
                for group_id in (alone_id, pair_id, trio_id, running_id, late_id)}
    assert statuses == {alone_id: "EXPIRED", pair_id: "COMPLETED", trio_id: "COMPLETED", running_id: "COMPLETED",
                        late_id: "OPEN"}
    assert [row["amount_cashback"] for row in await order_rows(database, [o["id"] for o in pair])] == [619, 500]
    assert [row["amount_cashback"] for row in await order_rows(database, [o["id"] for o in trio])] == [50, 100, 150]
    assert (await order_rows(database, [alone["id"]]))[0]["status"] == "CREATED"
    assert (await books(database, merchant))["cashback_liability"] == -(619 + 500 + 300 + 150)


async def test_settling_twice_changes_nothing_the_second_time(
    database: Database, runtime: Runtime, merchant: Merchant
) -> None:
    group_id, placed = await group_with_orders(merchant, [12_370, 10_000])
    first = await end_now(merchant, group_id)
    before = await order_rows(database, [order["id"] for order in placed])

    second = await end_now(merchant, group_id)
    async with database.transaction() as connection:
        again = await settlement.settle_group(connection, Tenant(merchant.id, False), group_id,
                                              now=clock.now())

    assert again.groups == []
    assert again.cashbacks == []
    assert second == first
    assert await order_rows(database, [order["id"] for order in placed]) == before
    assert (await books(database, merchant))["cashback_liability"] == -1119


async def test_each_cashback_gets_a_fresh_secret_token_that_no_response_shows(
    database: Database, runtime: Runtime, merchant: Merchant
) -> None:
    group_id, placed = await group_with_orders(merchant, [10_000, 20_000, 30_000])
    tenant = Tenant(merchant.id, False)
    async with database.transaction() as connection:
        await settlement.end_group_now(connection, tenant, group_id, now=clock.now())
    # Settlement grants the cashback; the token is issued by the email consumer, with the link it sends.
    assert [row["withdrawal_token_hash"] for row in await order_rows(database, [o["id"] for o in placed])] == [None] * 3
    await Runner(runtime).drain()
    rows = await order_rows(database, [order["id"] for order in placed])
    hashes = [row["withdrawal_token_hash"] for row in rows]
    assert all(hashes)
    assert len(set(hashes)) == 3

    responses = [
        await merchant.get("/orders"),
        await merchant.get(f"/orders/{placed[0]['id']}"),
        await merchant.get(f"/groups/{group_id}/participants"),
        await merchant.get(f"/orders/{placed[0]['id']}", headers={"Kohort-Version": "2024-01-01"}),
        await merchant.get("/events", params={"take": 100}),
    ]
    for response in responses:
        assert response.status_code == 200
        assert "token" not in response.text.lower()
        for token_hash in hashes:
            assert token_hash not in response.text


async def test_a_group_that_cannot_settle_does_not_hold_back_the_others(
    database: Database, runtime: Runtime, merchant: Merchant, frozen_clock: FrozenClock
) -> None:
    bad_id, bad = await group_with_orders(merchant, [10_000, 10_000])
    good_id, _good = await group_with_orders(merchant, [10_000, 10_000])
    async with database.transaction() as connection:  # data no code path writes: an unknown discount type
        await connection.execute(update(payment_groups).where(payment_groups.c.id == bad_id)
                                 .values(discount_type="POINTS"))
    frozen_clock.advance(timedelta(days=8))

    await Runner(runtime).drain()

    assert (await merchant.get(f"/groups/{good_id}")).json()["status"] == "COMPLETED"
    # Read from the table: the corrupt row cannot be read as a group (its discount type is unknown).
    async with database.transaction() as connection:
        bad_status = (await connection.execute(select(payment_groups.c.status)
                                               .where(payment_groups.c.id == bad_id))).scalar_one()
    assert bad_status == "OPEN"
    assert [row["status"] for row in await order_rows(database, [o["id"] for o in bad])] == ["CREATED"] * 2
    assert (await books(database, merchant))["cashback_liability"] == -1000
    async with database.transaction() as connection:  # repaired: the next sweep settles it
        await connection.execute(update(payment_groups).where(payment_groups.c.id == bad_id)
                                 .values(discount_type="PERCENTAGE"))
    await Runner(runtime).drain()
    assert (await merchant.get(f"/groups/{bad_id}")).json()["status"] == "COMPLETED"
    assert (await books(database, merchant))["cashback_liability"] == -2000
