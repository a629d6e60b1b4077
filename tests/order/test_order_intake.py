"""POST /orders: the customer, the minimum, client references, joins and their refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kohort.kit.clock import FrozenClock
from tests.factories.customer import create_customer, customer_count, order_count
from tests.factories.group import join, set_group_settings
from tests.factories.merchant import Merchant, unique_email


async def test_order_carries_its_group_and_share_code(merchant: Merchant) -> None:
    response = await merchant.post("/orders", json={"amount": 35_000, "customerEmail": unique_email(),
                                                    "customerFirstName": "Ann", "customerLastName": "Lee"})
    assert response.status_code == 201
    order = response.json()
    assert order["paymentGroupId"].startswith("pg_")
    assert order["paymentGroupShareId"].startswith("KHT-test-")
    assert (order["currency"], order["riskLevel"], order["amountCashback"], order["applicationFeeAmount"]) == (
        "EUR", "LOW", None, 0)
    assert (await merchant.get(f"/orders/{order['id']}")).json() == order


async def test_customer_is_created_from_the_email_and_names(merchant: Merchant) -> None:
    email = unique_email()
    order = await merchant.order(email=email, customerPhoneNumber="+44 20")
    customer = (await merchant.get(f"/customers/{order['customerId']}")).json()
    assert (customer["emailAddress"], customer["firstName"], customer["lastName"], customer["phoneNumber"]) == (
        email, "Ann", "Lee", "+44 20")


async def test_known_email_without_names_is_fine(merchant: Merchant) -> None:
    first = await merchant.order()
    response = await merchant.post("/orders", json={"amount": 1000, "customerEmail": first["customerEmail"].upper()})
    assert response.status_code == 201, response.text
    assert response.json()["customerId"] == first["customerId"]
    assert await customer_count(merchant) == 1


async def test_unknown_email_without_names_is_400(merchant: Merchant) -> None:
    for body in ({"customerEmail": unique_email()}, {"customerEmail": unique_email(), "customerFirstName": "A"},
                 {"customerEmail": unique_email(), "customerLastName": "B"}):
        response = await merchant.post("/orders", json={"amount": 1000, **body})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "CUSTOMER_NAME_REQUIRED"
    assert await customer_count(merchant) == 0
    assert await order_count(merchant) == 0


async def test_neither_email_nor_id_is_400(merchant: Merchant) -> None:
    response = await merchant.post("/orders", json={"amount": 1000, "customerFirstName": "A", "customerLastName": "B"})
    assert response.status_code == 400
    assert await order_count(merchant) == 0


async def test_customer_by_id(merchant: Merchant) -> None:
    customer = await create_customer(merchant)
    response = await merchant.post("/orders", json={"amount": 1000, "customerId": customer["id"]})
    assert response.status_code == 201, response.text
    assert response.json()["customerId"] == customer["id"]
    group = (await merchant.get(f"/groups/{response.json()['paymentGroupId']}")).json()
    assert (group["customerId"], group["creatorEmail"]) == (customer["id"], customer["emailAddress"])


async def test_customer_id_with_someone_elses_email_is_refused(merchant: Merchant) -> None:
    customer = await create_customer(merchant)
    other = await create_customer(merchant)
    response = await merchant.post(
        "/orders", json={"amount": 1000, "customerId": customer["id"], "customerEmail": other["emailAddress"]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "CUSTOMER_MISMATCH"
    assert await order_count(merchant) == 0
    same = await merchant.post(
        "/orders", json={"amount": 1000, "customerId": customer["id"], "customerEmail": customer["emailAddress"].upper()}
    )
    assert same.status_code == 201, same.text


async def test_unknown_or_deleted_customer_id_is_404(merchant: Merchant) -> None:
    customer = await create_customer(merchant)
    await merchant.delete(f"/customers/{customer['id']}")
    for customer_id in ("cus_nope", customer["id"]):
        response = await merchant.post("/orders", json={"amount": 1000, "customerId": customer_id})
        assert response.status_code == 404
    assert await order_count(merchant) == 0


@pytest.mark.parametrize("by", ["email", "id"])
async def test_blocked_customer_is_refused(merchant: Merchant, by: str) -> None:
    customer = await create_customer(merchant)
    await merchant.patch(f"/customers/{customer['id']}/block")
    body = ({"customerEmail": customer["emailAddress"], "customerFirstName": "A", "customerLastName": "B"}
            if by == "email" else {"customerId": customer["id"]})
    response = await merchant.post("/orders", json={"amount": 1000, **body})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "CUSTOMER_BLOCKED"
    assert await order_count(merchant) == 0
    await merchant.patch(f"/customers/{customer['id']}/unblock")
    assert (await merchant.post("/orders", json={"amount": 1000, **body})).status_code == 201


async def test_blocked_customer_cannot_join_either(merchant: Merchant) -> None:
    owner = await merchant.order()
    customer = await create_customer(merchant)
    await merchant.patch(f"/customers/{customer['id']}/block")
    response = await merchant.post("/orders", json={"amount": 1000, "customerId": customer["id"],
                                                    "paymentGroupShareId": owner["paymentGroupShareId"]})
    assert response.json()["error"]["code"] == "CUSTOMER_BLOCKED"
    assert (await merchant.get(f"/groups/{owner['paymentGroupId']}")).json()["participantCount"] == 1


async def test_amount_below_the_minimum(merchant: Merchant) -> None:
    await set_group_settings(merchant, minPurchaseValue=3000)
    response = await merchant.post("/orders", json={"amount": 2999, "customerEmail": unique_email(),
                                                    "customerFirstName": "A", "customerLastName": "B"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "AMOUNT_TOO_LOW"
    assert await customer_count(merchant) == 0
    assert await order_count(merchant) == 0
    assert (await merchant.order(amount=3000))["amount"] == 3000


async def test_client_reference_replay_returns_the_first_order(merchant: Merchant) -> None:
    first = await merchant.order(clientReferenceId="shop-1001")
    replay = await merchant.post("/orders", json={"amount": 10_000, "customerEmail": unique_email(),
                                                  "customerFirstName": "Other", "customerLastName": "Person",
                                                  "client_reference_id": "shop-1001"})
    assert replay.status_code == 200
    assert replay.json() == first
    assert await order_count(merchant) == 1
    assert await customer_count(merchant) == 1


async def test_client_reference_with_another_amount_is_409(merchant: Merchant) -> None:
    await merchant.order(clientReferenceId="shop-1002", amount=10_000)
    response = await merchant.post("/orders", json={"amount": 10_001, "customerEmail": unique_email(),
                                                    "customerFirstName": "A", "customerLastName": "B",
                                                    "clientReferenceId": "shop-1002"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CLIENT_REFERENCE_ID_ALREADY_USED"
    assert await order_count(merchant) == 1
    assert await customer_count(merchant) == 1


async def test_client_reference_is_unique_per_tenant_only(merchant: Merchant, other_merchant: Merchant) -> None:
    test_order = await merchant.order(clientReferenceId="shop-7")
    live_order = await merchant.order(clientReferenceId="shop-7", key="sk_live")
    other = await other_merchant.order(clientReferenceId="shop-7")
    assert len({test_order["id"], live_order["id"], other["id"]}) == 3


async def test_friend_joins_and_share_code_is_case_and_space_insensitive(merchant: Merchant) -> None:
    owner = await merchant.order()
    friend = await join(merchant, f"  {owner['paymentGroupShareId'].lower()} ")
    assert friend["paymentGroupId"] == owner["paymentGroupId"]
    assert friend["paymentGroupShareId"] == owner["paymentGroupShareId"]
    assert friend["customerId"] != owner["customerId"]


async def test_unknown_share_code_is_404_and_writes_nothing(merchant: Merchant) -> None:
    response = await merchant.post("/orders", json={"amount": 1000, "customerEmail": unique_email(),
                                                    "customerFirstName": "A", "customerLastName": "B",
                                                    "paymentGroupShareId": "KHT-test-FFFFFFFF"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert await customer_count(merchant) == 0
    assert await order_count(merchant) == 0


async def test_max_two_takes_exactly_one_friend(merchant: Merchant) -> None:
    await set_group_settings(merchant, maxParticipants=2)
    owner = await merchant.order()
    friend = await join(merchant, owner["paymentGroupShareId"])
    assert friend["paymentGroupId"] == owner["paymentGroupId"]
    before = await customer_count(merchant)
    response = await merchant.post("/orders", json={"amount": 1000, "customerEmail": unique_email(),
                                                    "customerFirstName": "A", "customerLastName": "B",
                                                    "paymentGroupShareId": owner["paymentGroupShareId"]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MAX_PARTICIPANTS_REACHED"
    assert await customer_count(merchant) == before
    assert await order_count(merchant) == 2
    group = (await merchant.get(f"/groups/{owner['paymentGroupId']}")).json()
    assert group["participantCount"] == 2


async def test_group_fills_to_exactly_max_participants(merchant: Merchant) -> None:
    await set_group_settings(merchant, maxParticipants=4)
    owner = await merchant.order()
    for _ in range(3):
        await join(merchant, owner["paymentGroupShareId"])
    response = await merchant.post("/orders", json={"amount": 1000, "customerEmail": unique_email(),
                                                    "customerFirstName": "A", "customerLastName": "B",
                                                    "paymentGroupShareId": owner["paymentGroupShareId"]})
    assert response.json()["error"]["code"] == "MAX_PARTICIPANTS_REACHED"
    participants = (await merchant.get(f"/groups/{owner['paymentGroupId']}/participants")).json()
    assert participants["count"] == 4


async def test_owner_cannot_join_own_group_by_id_either(merchant: Merchant) -> None:
    owner = await merchant.order()
    response = await merchant.post("/orders", json={"amount": 1000, "customerId": owner["customerId"],
                                                    "paymentGroupShareId": owner["paymentGroupShareId"]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "EMAIL_ALREADY_USED"
    assert await order_count(merchant) == 1


async def test_nobody_joins_twice(merchant: Merchant) -> None:
    owner = await merchant.order()
    email = unique_email()
    await join(merchant, owner["paymentGroupShareId"], email=email)
    response = await merchant.post("/orders", json={"amount": 1000, "customerEmail": email.upper(),
                                                    "paymentGroupShareId": owner["paymentGroupShareId"]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "EMAIL_ALREADY_USED"
    assert (await merchant.get(f"/groups/{owner['paymentGroupId']}")).json()["participantCount"] == 2


async def test_amount_below_the_group_minimum(merchant: Merchant) -> None:
    await set_group_settings(merchant, minPurchaseValue=5000)
    owner = await merchant.order(amount=5000)
    response = await merchant.post("/orders", json={"amount": 4999, "customerEmail": unique_email(),
                                                    "customerFirstName": "A", "customerLastName": "B",
                                                    "paymentGroupShareId": owner["paymentGroupShareId"]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "AMOUNT_TOO_LOW"
    assert await customer_count(merchant) == 1


async def test_joining_an_ended_group(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    canceled = await merchant.order()
    await merchant.post(f"/groups/{canceled['paymentGroupId']}/cancel")
    expired = await merchant.order()
    frozen_clock.advance(timedelta(days=7))  # expiresAt == now: the group has ended
    for code in (canceled["paymentGroupShareId"], expired["paymentGroupShareId"]):
        response = await merchant.post("/orders", json={"amount": 1000, "customerEmail": unique_email(),
                                                        "customerFirstName": "A", "customerLastName": "B",
                                                        "paymentGroupShareId": code})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "COMPLETED_EXPIRED_CANCELED"
    assert await order_count(merchant) == 2


async def test_expires_at_is_now_plus_the_duration(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    await set_group_settings(merchant, minutesDuration=60)
    start = frozen_clock.now()
    order = await merchant.order()
    group = (await merchant.get(f"/groups/{order['paymentGroupId']}")).json()
    assert group["expiresAt"] == (start + timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{start.microsecond // 1000:03d}Z"
    assert group["midExpireAt"] == (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{start.microsecond // 1000:03d}Z"
    assert group["jPlus3StartAt"] is None
    assert group["jMinus2ExpireAt"] is None


async def test_long_groups_get_the_two_reminder_dates(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    await set_group_settings(merchant, minutesDuration=129_600)
    start = frozen_clock.now()
    order = await merchant.order()
    group = (await merchant.get(f"/groups/{order['paymentGroupId']}")).json()
    assert group["midExpireAt"] is None
    assert group["jPlus3StartAt"] == f"{(start + timedelta(days=7)).date().isoformat()}T08:00:00.000Z"
    assert group["jMinus2ExpireAt"] == f"{(start + timedelta(days=85)).date().isoformat()}T08:00:00.000Z"


@pytest.mark.parametrize("blank", ["", "   "])
async def test_blank_client_reference_is_no_reference(merchant: Merchant, blank: str) -> None:
    # Plugins send "" when the shop has no order number yet; that must not make every later order a 409.
    first = await merchant.order(clientReferenceId=blank)
    second = await merchant.order(clientReferenceId=blank)
    assert first["id"] != second["id"]
    assert first["clientReferenceId"] is None
    assert second["clientReferenceId"] is None
