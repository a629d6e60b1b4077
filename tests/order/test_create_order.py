"""POST /orders: opening a group, joining one, and the refusals."""

from kohort.kit.clock import FrozenClock
from tests.factories.merchant import Merchant, Ticker, unique_email


async def test_first_order_opens_a_group_owned_by_the_shopper(merchant: Merchant) -> None:
    order = await merchant.order(amount=35_000)

    assert order["status"] == "CREATED"
    assert order["amount"] == 35_000
    assert order["paymentGroupId"].startswith("pg_")
    assert order["paymentGroupShareId"].startswith("KHT-test-")
    group = (await merchant.get(f"/groups/{order['paymentGroupId']}")).json()
    assert group["customerId"] == order["customerId"]
    assert group["status"] == "OPEN"
    assert group["participantCount"] == 1


async def test_friend_joins_with_the_share_code(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    owner = await merchant.order()
    Ticker(frozen_clock)()  # distinct timestamps, so "oldest first" is well defined
    friend = await merchant.order(share_code=owner["paymentGroupShareId"].lower())

    assert friend["paymentGroupId"] == owner["paymentGroupId"]
    participants = (await merchant.get(f"/groups/{owner['paymentGroupId']}/participants")).json()
    assert participants["count"] == 2
    assert [item["id"] for item in participants["data"]] == [owner["id"], friend["id"]]


async def test_owner_cannot_join_their_own_group(merchant: Merchant) -> None:
    email = unique_email()
    owner = await merchant.order(email=email)
    response = await merchant.post("/orders", json={"amount": 5000, "customerEmail": email,
                                                    "paymentGroupShareId": owner["paymentGroupShareId"]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "EMAIL_ALREADY_USED"
