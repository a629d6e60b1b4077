"""The refunds API: partial refunds add up, never beyond the order, idempotent on clientReferenceId,
tenant-scoped, secret keys only, both API versions, an `order.refunded` event, no shopper email."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kohort.db import Database
from kohort.http.versions import LEGACY_VERSION
from kohort.models import jobs
from tests.factories.merchant import Merchant, create_merchant
from tests.factories.refund import order, refund


async def test_partial_refunds_add_up_on_the_order(merchant: Merchant) -> None:
    placed = await merchant.order(amount=10_000)
    first = await refund(merchant, placed["id"], 2_500, reason="one shirt returned")
    assert first["id"].startswith("re_")
    assert (first["amount"], first["orderId"], first["reason"]) == (2_500, placed["id"], "one shirt returned")
    assert first["createdAt"]
    await refund(merchant, placed["id"], 1_000)
    assert (await order(merchant, placed["id"]))["amountRefunded"] == 3_500

    listed = (await merchant.get(f"/orders/{placed['id']}/refunds")).json()
    assert listed["count"] == 2
    assert {item["amount"] for item in listed["data"]} == {2_500, 1_000}
    assert (await merchant.get(f"/refunds/{first['id']}")).json() == first
    assert (await merchant.get("/refunds")).json()["count"] == 2


async def test_no_amount_refunds_what_is_left_and_nothing_more(merchant: Merchant) -> None:
    placed = await merchant.order(amount=10_000)
    await refund(merchant, placed["id"], 4_000)
    rest = await refund(merchant, placed["id"])
    assert rest["amount"] == 6_000
    assert (await order(merchant, placed["id"]))["amountRefunded"] == 10_000
    again = await merchant.post(f"/orders/{placed['id']}/refunds", json={})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "REFUND_EXCEEDS_AMOUNT"


async def test_more_than_the_order_is_refused_and_writes_nothing(merchant: Merchant) -> None:
    placed = await merchant.order(amount=10_000)
    await refund(merchant, placed["id"], 9_000)
    response = await merchant.post(f"/orders/{placed['id']}/refunds", json={"amount": 1_001})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "REFUND_EXCEEDS_AMOUNT"
    assert (await order(merchant, placed["id"]))["amountRefunded"] == 9_000
    assert (await merchant.get(f"/orders/{placed['id']}/refunds")).json()["count"] == 1


@pytest.mark.parametrize("amount", [0, -5, "ten", True, 10**20])
async def test_a_bad_amount_is_a_400(merchant: Merchant, amount: object) -> None:
    placed = await merchant.order(amount=10_000)
    response = await merchant.post(f"/orders/{placed['id']}/refunds", json={"amount": amount})
    assert response.status_code == 400, response.text
    assert (await order(merchant, placed["id"]))["amountRefunded"] == 0


async def test_a_refund_is_idempotent_on_its_client_reference(merchant: Merchant) -> None:
    placed = await merchant.order(amount=10_000)
    first = await refund(merchant, placed["id"], 3_000, clientReferenceId="credit-memo-7")
    replay = await merchant.post(f"/orders/{placed['id']}/refunds",
                                 json={"amount": 3_000, "clientReferenceId": "credit-memo-7"})
    assert replay.status_code == 200
    assert replay.json() == first
    assert (await order(merchant, placed["id"]))["amountRefunded"] == 3_000
    other_amount = await merchant.post(f"/orders/{placed['id']}/refunds",
                                       json={"amount": 2_000, "clientReferenceId": "credit-memo-7"})
    assert other_amount.status_code == 409
    assert other_amount.json()["error"]["code"] == "CLIENT_REFERENCE_ID_ALREADY_USED"
    other_order = await merchant.order(amount=5_000)
    elsewhere = await merchant.post(f"/orders/{other_order['id']}/refunds",
                                    json={"amount": 100, "clientReferenceId": "credit-memo-7"})
    assert elsewhere.status_code == 409
    assert (await order(merchant, other_order["id"]))["amountRefunded"] == 0


async def test_another_tenant_or_mode_sees_nothing(merchant: Merchant, other_merchant: Merchant) -> None:
    placed = await merchant.order(amount=10_000)
    made = await refund(merchant, placed["id"], 1_000)
    for who, key in ((other_merchant, "sk_test"), (merchant, "sk_live")):
        assert (await who.post(f"/orders/{placed['id']}/refunds", json={"amount": 1}, key=key)).status_code == 404
        assert (await who.get(f"/orders/{placed['id']}/refunds", key=key)).status_code == 404
        assert (await who.get(f"/refunds/{made['id']}", key=key)).status_code == 404
        assert (await who.get("/refunds", key=key)).json()["count"] == 0
        legacy = await who.post("/refunds", json={"amount": 1, "order_id": placed["id"]}, key=key)
        assert legacy.status_code == 404
    assert (await order(merchant, placed["id"]))["amountRefunded"] == 1_000


async def test_publishable_keys_cannot_refund(merchant: Merchant) -> None:
    placed = await merchant.order(amount=10_000)
    response = await merchant.post(f"/orders/{placed['id']}/refunds", json={"amount": 1}, key="pk_test")
    assert response.status_code == 403
    assert (await merchant.get("/refunds", key="pk_test")).status_code == 403


async def test_the_legacy_call_is_the_same_operation_in_snake_case(
    database: Database, merchant: Merchant
) -> None:
    legacy = await create_merchant(database, merchant.client, api_version=LEGACY_VERSION)
    placed = await legacy.order(amount=10_000)
    response = await legacy.post("/refunds", json={"amount": 2_000, "order_id": placed["id"],
                                                   "client_reference_id": "cm-1"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["order_id"], body["amount"], body["client_reference_id"]) == (placed["id"], 2_000, "cm-1")
    # Magento names the order by its payment intent; an order's id is accepted there too.
    again = await legacy.post("/refunds", json={"amount": 500, "payment_intent_id": placed["id"]})
    assert again.status_code == 201
    assert (await legacy.get(f"/orders/{placed['id']}")).json()["amount_refunded"] == 2_500
    # …its payment intent's id (a view of the order), or the shop's own payment reference.
    intent = "pi_" + placed["id"].removeprefix("ord_")
    assert (await legacy.post("/refunds", json={"amount": 300, "payment_intent_id": intent})).status_code == 201
    shop_paid = await legacy.order(amount=5_000, clientReferenceId="magento-000000042")
    by_reference = await legacy.post("/refunds", json={"amount": 100, "payment_intent_id": "magento-000000042"})
    assert (by_reference.status_code, by_reference.json()["order_id"]) == (201, shop_paid["id"])
    assert (await legacy.get(f"/orders/{placed['id']}")).json()["amount_refunded"] == 2_800
    unknown = await legacy.post("/refunds", json={"amount": 500, "payment_intent_id": "pi_unknown"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "NOT_FOUND"
    # Another merchant's payment intent is unknown here.
    other = await create_merchant(database, merchant.client, api_version=LEGACY_VERSION)
    assert (await other.post("/refunds", json={"amount": 100, "payment_intent_id": intent})).status_code == 404
    assert (await legacy.post("/refunds", json={"amount": 500})).status_code == 400


async def test_a_refund_records_an_event_and_emails_nobody(database: Database, merchant: Merchant) -> None:
    placed = await merchant.order(amount=10_000)
    async with database.transaction() as connection:
        jobs_before = (await connection.execute(select(func.count()).select_from(jobs))).scalar_one()
    await refund(merchant, placed["id"], 1_000)
    events = (await merchant.get("/events", params={"type": "order.refunded"})).json()
    assert events["count"] == 1
    assert events["data"][0]["data"]["object"]["id"] == placed["id"]
    assert events["data"][0]["data"]["object"]["amountRefunded"] == 1_000
    # The merchant tells the shopper about a refund: no email job (nor any other) is queued for it.
    async with database.transaction() as connection:
        assert (await connection.execute(select(func.count()).select_from(jobs))).scalar_one() == jobs_before
