"""/groups and /payment-groups: create, list, read, update, expand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kohort.kit.clock import FrozenClock
from kohort.kit.timefmt import iso_z
from tests.factories.group import get_group, join
from tests.factories.merchant import Merchant, Ticker, unique_email

GROUP_FIELDS = {
    "id", "shareId", "livemode", "organizationId", "customerId", "creatorEmail", "status", "metadata", "expiresAt",
    "midExpireAt", "jMinus2ExpireAt", "jPlus3StartAt", "reminderEmailSent", "participantCount", "createdAt",
    "createdBy", "updatedAt", "updatedBy", "canceledAt", "completedAt",
}
PREFIXES = ["/groups", "/payment-groups"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_get_by_id_or_share_code(merchant: Merchant, prefix: str) -> None:
    order = await merchant.order()
    by_id = await merchant.get(f"{prefix}/{order['paymentGroupId']}")
    assert by_id.status_code == 200
    group = by_id.json()
    assert set(group) == GROUP_FIELDS
    assert (group["status"], group["participantCount"], group["reminderEmailSent"]) == ("OPEN", 1, "NOT_SENT")
    assert group["creatorEmail"] == order["customerEmail"]
    for code in (order["paymentGroupShareId"], order["paymentGroupShareId"].lower()):
        assert (await merchant.get(f"{prefix}/{code}")).json() == group


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_unknown_group_is_404(merchant: Merchant, prefix: str) -> None:
    for reference in ("pg_nope", "KHT-test-00000000"):
        response = await merchant.get(f"{prefix}/{reference}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_list_newest_first_with_paging_and_search(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    tick = Ticker(frozen_clock)
    orders = []
    for _ in range(3):
        tick()
        orders.append(await merchant.order())
    await merchant.post(f"/groups/{orders[0]['paymentGroupId']}/cancel")
    listed = (await merchant.get("/payment-groups")).json()
    assert listed["count"] == 3
    assert [item["id"] for item in listed["data"]] == [order["paymentGroupId"] for order in reversed(orders)]
    page = (await merchant.get("/groups", params={"take": 1, "skip": 1})).json()
    assert page["count"] == 3
    assert [item["id"] for item in page["data"]] == [orders[1]["paymentGroupId"]]
    open_ones = (await merchant.get("/groups", params={"search": 'status:"OPEN"', "orderBy": "createdAt:asc"})).json()
    assert [item["id"] for item in open_ones["data"]] == [orders[1]["paymentGroupId"], orders[2]["paymentGroupId"]]
    either = (await merchant.get("/groups", params={"search": 'status:"CANCELED" OR status:"EXPIRED"'})).json()
    assert [item["id"] for item in either["data"]] == [orders[0]["paymentGroupId"]]
    by_code = (await merchant.get("/groups", params={"search": f"shareId:{orders[2]['paymentGroupShareId']}"})).json()
    assert [item["id"] for item in by_code["data"]] == [orders[2]["paymentGroupId"]]
    running = (await merchant.get("/groups", params={"search": f'expiresAt>"{orders[2]["createdAt"]}"'})).json()
    assert running["count"] == 3
    ended = (await merchant.get("/groups", params={"search": f'expiresAt<="{orders[2]["createdAt"]}"'})).json()
    assert ended == {"data": [], "count": 0}


async def test_update_metadata_and_creator_email(merchant: Merchant) -> None:
    order = await merchant.order()
    email = unique_email("new-owner")
    response = await merchant.patch(f"/payment-groups/{order['paymentGroupId']}",
                                    json={"metadata": {"campaign": "spring"}, "creator_email": email})
    assert response.status_code == 200, response.text
    assert (response.json()["metadata"], response.json()["creatorEmail"]) == ({"campaign": "spring"}, email)
    # By share code too; an empty body changes nothing.
    same = await merchant.patch(f"/groups/{order['paymentGroupShareId']}", json={})
    assert (same.json()["metadata"], same.json()["creatorEmail"]) == ({"campaign": "spring"}, email)
    for bad in ({"creatorEmail": "nope"}, {"creatorEmail": None}, {"metadata": {"a": 1}}, {"metadata": [1]}):
        assert (await merchant.patch(f"/groups/{order['paymentGroupId']}", json=bad)).status_code == 400
    assert (await get_group(merchant, order["paymentGroupId"]))["creatorEmail"] == email


async def test_expand_documented_relations_only(merchant: Merchant) -> None:
    order = await merchant.order()
    group = await get_group(merchant, order["paymentGroupId"], **{
        "expand[]": ["customer", "paymentGroupSettings", "organization", "organization.apiKeys", "orders"]})
    assert group["customer"]["id"] == order["customerId"]
    assert group["paymentGroupSettings"]["maxParticipants"] == 15
    assert group["organization"] == {"id": merchant.id, "name": "Test shop", "livemode": False}
    assert "orders" not in group
    assert "apiKeys" not in str(group)
    listed = (await merchant.get("/groups", params={"expand[]": ["customer", "organization.api_keys"]})).json()
    assert listed["data"][0]["customer"]["emailAddress"] == order["customerEmail"]
    for key in merchant.keys.values():
        assert key not in str(group)
        assert key not in str(listed)


async def test_order_expansions(merchant: Merchant) -> None:
    owner = await merchant.order()
    friend = await join(merchant, owner["paymentGroupShareId"])
    response = await merchant.get(f"/orders/{friend['id']}", params={
        "expand[]": ["customer", "payment_group", "organization", "organization.api_keys", "token"]})
    body = response.json()
    assert body["customer"]["id"] == friend["customerId"]
    assert body["paymentGroup"]["id"] == owner["paymentGroupId"]
    assert body["paymentGroup"]["participantCount"] == 2
    assert body["organization"]["id"] == merchant.id
    assert "token" not in body
    assert "apiKeys" not in body["organization"]
    listed = (await merchant.get("/orders", params={"expand[]": "paymentGroup"})).json()
    assert {item["paymentGroup"]["id"] for item in listed["data"]} == {owner["paymentGroupId"]}
    for key in merchant.keys.values():
        assert key not in response.text


async def test_create_group_for_an_order_whose_group_was_canceled(merchant: Merchant) -> None:
    order = await merchant.order()
    await merchant.post(f"/groups/{order['paymentGroupId']}/cancel")
    response = await merchant.post("/groups", json={"customerId": order["customerId"], "orderId": order["id"],
                                                    "metadata": {"source": "support"}})
    assert response.status_code == 201, response.text
    group = response.json()
    assert group["id"] != order["paymentGroupId"]
    assert group["status"] == "OPEN"
    assert (group["customerId"], group["participantCount"], group["metadata"]) == (
        order["customerId"], 1, {"source": "support"})
    moved = (await merchant.get(f"/orders/{order['id']}")).json()
    assert (moved["paymentGroupId"], moved["paymentGroupShareId"]) == (group["id"], group["shareId"])
    participants = (await merchant.get(f"/groups/{group['id']}/participants")).json()
    assert [item["id"] for item in participants["data"]] == [order["id"]]
    old_group = (await merchant.get(f"/groups/{order['paymentGroupId']}")).json()
    old_participants = (await merchant.get(f"/groups/{order['paymentGroupId']}/participants")).json()
    assert (old_group["status"], old_group["participantCount"], old_participants["count"]) == ("CANCELED", 0, 0)


async def test_create_group_for_an_order_whose_group_expired(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    order = await merchant.order()
    frozen_clock.advance(timedelta(days=8))
    assert (await merchant.post(f"/groups/{order['paymentGroupId']}/expire")).status_code == 200
    response = await merchant.post("/payment-groups", json={"customer_id": order["customerId"], "order_id": order["id"]})
    assert response.status_code == 201, response.text
    assert response.json()["expiresAt"] == iso_z(frozen_clock.now() + timedelta(days=7))


async def test_create_group_with_an_explicit_end(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    order = await merchant.order()
    await merchant.post(f"/groups/{order['paymentGroupId']}/cancel")
    end = frozen_clock.now() + timedelta(days=2)
    for bad in ("2020-01-01T00:00:00Z", iso_z(frozen_clock.now() + timedelta(days=91)), "2030-01-01T00:00:00",
                "tomorrow"):
        response = await merchant.post("/groups", json={"customerId": order["customerId"], "orderId": order["id"],
                                                        "expiresAt": bad})
        assert response.status_code == 400, (bad, response.text)
    response = await merchant.post("/groups", json={"customerId": order["customerId"], "orderId": order["id"],
                                                    "expiresAt": iso_z(end)})
    assert response.status_code == 201
    assert response.json()["expiresAt"] == iso_z(end)
    assert response.json()["midExpireAt"] == iso_z(frozen_clock.now() + timedelta(days=1))


async def test_create_group_refusals(merchant: Merchant) -> None:
    order = await merchant.order()
    other = await merchant.order()
    cases = [
        ({"customerId": order["customerId"], "orderId": order["id"]}, 409),  # its group is still open
        ({"customerId": other["customerId"], "orderId": order["id"]}, 400),  # not that customer's order
        ({"customerId": "cus_nope", "orderId": order["id"]}, 404),
        ({"customerId": order["customerId"], "orderId": "ord_nope"}, 404),
        ({"customerId": order["customerId"]}, 400),
        ({"orderId": order["id"]}, 400),
    ]
    for body, status in cases:
        response = await merchant.post("/groups", json=body)
        assert response.status_code == status, (body, response.text)
    assert (await merchant.get("/groups")).json()["count"] == 2


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_create_group_names_the_order_by_payment_intent_id(merchant: Merchant, prefix: str) -> None:
    """The original's SDK (`paymentGroups.create`) sends `{customerId, paymentIntentId}`: a `pi_…` id, or
    the order's own id."""
    for name_it in (lambda order: order["id"].replace("ord_", "pi_", 1), lambda order: order["id"]):
        order = await merchant.order()
        await merchant.post(f"/groups/{order['paymentGroupId']}/cancel")
        response = await merchant.post(prefix, json={"customerId": order["customerId"],
                                                     "paymentIntentId": name_it(order)})
        assert response.status_code == 201, response.text
        moved = (await merchant.get(f"/orders/{order['id']}")).json()
        assert moved["paymentGroupId"] == response.json()["id"]
    refused = await merchant.post(prefix, json={"customerId": order["customerId"], "payment_intent_id": "pi_nope"})
    assert refused.status_code == 404
    missing = await merchant.post(prefix, json={"customerId": order["customerId"]})
    assert missing.status_code == 400
    assert "Either orderId or paymentIntentId is required." in missing.json()["error"]["message"]
