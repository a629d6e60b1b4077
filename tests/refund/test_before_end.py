"""A refund before the group ends (issue 10, worked example 1): the order counts on its net amount, a
fully refunded order is no participant (its seat is freed, the level drops), the fee follows the net."""

from __future__ import annotations

from kohort.db import Database
from tests.factories.merchant import Merchant
from tests.factories.referral_group import books, end_now, group_with_orders, set_settings
from tests.factories.refund import order, refund

LADDER = [{"participantsToUnlock": 2, "value": 5}, {"participantsToUnlock": 3, "value": 10},
          {"participantsToUnlock": 4, "value": 15}]


async def _validate(merchant: Merchant, group_id: str) -> dict[str, object]:
    response = await merchant.post(f"/groups/{group_id}/validate", json={})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_refund_before_the_end_drops_the_level_and_the_fee_follows_the_net(
    database: Database, merchant: Merchant
) -> None:
    await set_settings(merchant, discountLevels=LADDER, maxParticipants=10, cashbackHoldDays=0)
    group_id, (owner, bob, carol) = await group_with_orders(merchant, [10_000, 10_000, 10_000])
    assert (await _validate(merchant, group_id))["currentDiscountLevel"]["value"] == 15  # a 4th would unlock 15 %
    assert carol["applicationFeeAmount"] == 1_200  # 10 % + 20 % VAT on 100.00

    await refund(merchant, bob["id"])  # all of it: Bob is no participant any more
    await refund(merchant, carol["id"], 4_000)  # Carol keeps 60.00

    group = (await merchant.get(f"/groups/{group_id}")).json()
    assert group["participantCount"] == 2
    assert (await _validate(merchant, group_id))["currentDiscountLevel"]["value"] == 10
    assert (await order(merchant, bob["id"]))["applicationFeeAmount"] == 0
    assert (await order(merchant, carol["id"]))["applicationFeeAmount"] == 720  # on 60.00

    ended = await end_now(merchant, group_id)
    assert ended["status"] == "COMPLETED"
    cashback = {placed["id"]: (await order(merchant, placed["id"]))["amountCashback"]
                for placed in (owner, bob, carol)}
    assert cashback == {owner["id"]: 500, bob["id"]: 0, carol["id"]: 300}  # 5 %: two participants
    assert await books(database, merchant) == {
        "cashback_expense": 800, "cashback_liability": -800,
        "acquisition_fee_expense": 720, "platform_fees_payable": -720,
    }


async def test_the_owner_refunded_in_full_leaves_the_group_to_the_others(database: Database, merchant: Merchant) -> None:
    await set_settings(merchant, discountLevels=LADDER, maxParticipants=10, cashbackHoldDays=0)
    group_id, (owner, bob, carol) = await group_with_orders(merchant, [10_000, 8_000, 6_000])
    await refund(merchant, owner["id"])

    group = (await merchant.get(f"/groups/{group_id}")).json()
    assert (group["status"], group["participantCount"]) == ("OPEN", 2)
    ended = await end_now(merchant, group_id)
    assert ended["status"] == "COMPLETED"
    assert [(await order(merchant, placed["id"]))["amountCashback"] for placed in (owner, bob, carol)] == [0, 400, 300]
    fees = bob["applicationFeeAmount"] + carol["applicationFeeAmount"]
    assert (await books(database, merchant))["cashback_liability"] == -700
    assert (await books(database, merchant))["platform_fees_payable"] == -fees


async def test_a_fully_refunded_joiner_frees_its_seat(merchant: Merchant) -> None:
    await set_settings(merchant, discountLevels=LADDER[:1], maxParticipants=3, cashbackHoldDays=0)
    group_id, (owner, bob) = await group_with_orders(merchant, [10_000, 10_000])
    await refund(merchant, bob["id"], 9_999)  # a partial refund keeps the seat
    assert (await merchant.get(f"/groups/{group_id}")).json()["participantCount"] == 2
    await refund(merchant, bob["id"])
    assert (await merchant.get(f"/groups/{group_id}")).json()["participantCount"] == 1

    await merchant.order(amount=5_000, share_code=owner["paymentGroupShareId"])
    await merchant.order(amount=5_000, share_code=owner["paymentGroupShareId"])  # the seat Bob left
    full = await merchant.post("/orders", json={"amount": 5_000, "customerEmail": "late@example.com", "customerFirstName": "L", "customerLastName": "T",
                                                "paymentGroupShareId": owner["paymentGroupShareId"]})
    assert full.status_code == 400
    assert full.json()["error"]["code"] == "MAX_PARTICIPANTS_REACHED"
