"""POST /checkout-sessions runs the order intake; sessions and payment intents are views of orders."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.customer import create_customer, customer_count, order_count
from tests.factories.group import set_group_settings
from tests.factories.merchant import Merchant, unique_email


def session_body(**changes: Any) -> dict[str, Any]:
    """A paid order as PrestaShop reports it: mixed-case keys, integer metadata, one line of each kind."""
    return {
        "customerFirstName": "Ann", "customerLastName": "Lee", "customerEmail": unique_email(),
        "customerPhoneNumber": "+33612345678", "amountTotal": 4990.0,
        "lineItems": [
            {"name": "Mug", "description": "Blue", "price": 1995, "quantity": 2, "type": "PRODUCT",
             "image_url": "https://shop.example/mug.jpg"},
            {"name": "WELCOME", "price": -500, "quantity": 1, "type": "DISCOUNT"},
            {"name": "Colissimo", "price": 1500, "quantity": 1, "type": "SHIPPING"},
        ],
        "client_reference_id": "1042", "payment_client_reference_id": "1042",
        "metadata": {"order_id": 1042, "cart_id": 77, "customer_id": 5},
        **changes,
    }


async def test_a_session_is_an_order_with_its_lines(merchant: Merchant) -> None:
    response = await merchant.post("/checkout-sessions", json=session_body())
    assert response.status_code == 201, response.text
    session = response.json()
    order_id = session["orderId"]
    suffix = order_id.removeprefix("ord_")
    assert (session["id"], session["shareId"], session["paymentIntentId"]) == (
        f"cs_{suffix}", f"cs_test_{suffix}", f"pi_{suffix}")
    assert session["url"].endswith(f"/c/cs_test_{suffix}")
    assert (session["status"], session["amountTotal"], session["currency"], session["locale"]) == (
        "COMPLETED", 4990, "EUR", "fr_FR")
    assert (session["clientReferenceId"], session["paymentClientReferenceId"]) == ("1042", "1042")
    assert session["metadata"] == {"order_id": "1042", "cart_id": "77", "customer_id": "5"}
    assert session["paymentGroupShareId"].startswith("KHT-test-")
    assert session["paymentGroupId"].startswith("pg_")
    order = (await merchant.get(f"/orders/{order_id}")).json()
    assert order["lineItems"] == session["lineItems"] == [
        {"name": "Mug", "description": "Blue", "price": 1995, "quantity": 2, "type": "PRODUCT",
         "imageUrl": "https://shop.example/mug.jpg", "amountTotal": 3990},
        {"name": "WELCOME", "description": None, "price": -500, "quantity": 1, "type": "DISCOUNT",
         "imageUrl": None, "amountTotal": -500},
        {"name": "Colissimo", "description": None, "price": 1500, "quantity": 1, "type": "SHIPPING",
         "imageUrl": None, "amountTotal": 1500},
    ]
    assert (order["amount"], order["clientReferenceId"], order["paymentGroupId"]) == (
        4990, "1042", session["paymentGroupId"])
    customer = (await merchant.get(f"/customers/{order['customerId']}")).json()
    assert customer["phoneNumber"] == "+33612345678"
    for reference in (session["id"], session["shareId"], "1042", order_id):
        found = await merchant.get(f"/checkout-sessions/{reference}")
        assert found.status_code == 200, reference
        assert found.json() == session


async def test_orders_without_lines_show_an_empty_list(merchant: Merchant) -> None:
    order = await merchant.order()
    assert order["lineItems"] == []
    with_lines = await merchant.order(lineItems=[{"name": "Tea", "price": "350", "quantity": 1.5}])
    assert with_lines["lineItems"] == [{"name": "Tea", "description": None, "price": 350, "quantity": 1.5,
                                        "type": "PRODUCT", "imageUrl": None, "amountTotal": 525}]


async def test_a_repeated_shop_order_number_replays_the_first_session(merchant: Merchant) -> None:
    body = session_body()
    first = await merchant.post("/checkout-sessions", json=body)
    again = await merchant.post("/checkout-sessions", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    # The payment reference alone is the shop's order number too.
    only_payment = session_body(client_reference_id=None, payment_client_reference_id="2001")
    created = await merchant.post("/checkout-sessions", json=only_payment)
    replayed = await merchant.post("/checkout-sessions", json=only_payment)
    assert (created.status_code, replayed.status_code) == (201, 200)
    assert created.json()["clientReferenceId"] == "2001"
    other_amount = await merchant.post("/checkout-sessions", json={**body, "amountTotal": 100})
    assert other_amount.status_code == 409
    assert other_amount.json()["error"]["code"] == "CLIENT_REFERENCE_ID_ALREADY_USED"
    assert await order_count(merchant) == 2


async def test_joining_follows_the_order_rules(merchant: Merchant) -> None:
    owner = (await merchant.post("/checkout-sessions", json=session_body())).json()
    code = owner["paymentGroupShareId"]
    friend = await merchant.post("/checkout-sessions", json=session_body(
        client_reference_id="1043", payment_group_share_id=f"  {code.lower()} "))
    assert friend.status_code == 201, friend.text
    assert friend.json()["paymentGroupId"] == owner["paymentGroupId"]
    order = (await merchant.get(f"/orders/{friend.json()['orderId']}")).json()
    assert order["applicationFeeAmount"] == 599  # 10 % + 20 % VAT of 49.90 €, half-up
    refusals = [
        (session_body(client_reference_id="x1", payment_group_share_id="KHT-test-ZZZZZZZZ"), 404, "NOT_FOUND"),
        (session_body(client_reference_id="x2", payment_group_share_id="COUPON10"), 404, "NOT_FOUND"),
        (session_body(client_reference_id="x3", payment_group_share_id=code, customerEmail=owner["customerEmail"]),
         400, "EMAIL_ALREADY_USED"),
        (session_body(client_reference_id="x4", customerEmail=None), 400, "CUSTOMER_REQUIRED"),
        (session_body(client_reference_id="x5", customerEmail=unique_email(), customerLastName=None), 400,
         "CUSTOMER_NAME_REQUIRED"),
    ]
    customers = await customer_count(merchant)
    for body, status, code_expected in refusals:
        response = await merchant.post("/checkout-sessions", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["code"] == code_expected
    assert await order_count(merchant) == 2
    assert await customer_count(merchant) == customers  # refused intakes leave nothing behind


async def test_minimum_purchase_is_the_orders(merchant: Merchant) -> None:
    await set_group_settings(merchant, minPurchaseValue=5000)
    response = await merchant.post("/checkout-sessions", json=session_body())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "AMOUNT_TOO_LOW"


@pytest.mark.parametrize(("sent", "kept"), [
    ("de_DE", "fr_FR"), ("fr_BE", "fr_FR"), ("en_GB", "en_US"), ("en_AU", "en_US"), ("xx", "fr_FR"),
    ("", "fr_FR"), (None, "fr_FR"),
])
async def test_any_locale_is_accepted(merchant: Merchant, sent: str | None, kept: str) -> None:
    response = await merchant.post("/checkout-sessions", json=session_body(locale=sent))
    assert response.status_code == 201, response.text
    assert response.json()["locale"] == kept


@pytest.mark.parametrize("line", [
    {"name": "Free", "price": 0, "quantity": 1, "type": "DISCOUNT"},  # Magento's snapshot sends this
    {"name": "Refund", "price": 500, "quantity": 1, "type": "GIFT_CARD"},
    {"name": "Credit", "price": 1, "quantity": 1, "type": "STORE_CREDIT"},
    {"name": "Mug", "price": -1, "quantity": 1, "type": "PRODUCT"},
    {"name": "Post", "price": -100, "quantity": 1, "type": "SHIPPING"},
    {"name": "Post", "price": 100, "quantity": 2, "type": "SHIPPING"},
    {"name": "Code", "price": -100, "quantity": 3, "type": "DISCOUNT"},
    {"name": "Mug", "price": 100, "quantity": 0, "type": "PRODUCT"},
    {"name": "Mug", "price": 100, "quantity": -2, "type": "PRODUCT"},
    {"name": "Mug", "price": 100, "quantity": 1, "type": "SERVICE"},
    {"name": "Mug", "quantity": 1, "type": "PRODUCT"},
    {"name": "Mug", "price": "ten", "quantity": 1},
    {"name": ["Mug"], "price": 100},
    "Mug",
])
async def test_line_items_follow_their_type(merchant: Merchant, line: Any) -> None:
    response = await merchant.post("/checkout-sessions", json=session_body(lineItems=[line]))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert await order_count(merchant) == 0


async def test_lines_are_lenient_where_the_plugins_are_sloppy(merchant: Merchant) -> None:
    lines = [
        {"name": "", "price": 0, "quantity": 1, "type": "SHIPPING"},  # PrestaShop, virtual cart
        {"name": "x" * 900, "description": "y" * 5000, "price": 1998.9999999999998, "quantity": "2.0000",
         "type": "product", "image_url": "https://shop.example/" + "z" * 3000},
        {"name": "Gift", "price": -1000, "type": "GIFT_CARD"},
        {"name": "Credit", "price": -1, "quantity": 1.0, "type": "STORE_CREDIT"},
    ]
    response = await merchant.post("/checkout-sessions", json=session_body(lineItems=lines))
    assert response.status_code == 201, response.text
    shipping, product, gift, credit = response.json()["lineItems"]
    assert (shipping["name"], shipping["amountTotal"]) == ("", 0)
    assert (len(product["name"]), len(product["description"]), product["imageUrl"]) == (500, 1000, None)
    assert (product["price"], product["quantity"], product["type"], product["amountTotal"]) == (
        1999, 2, "PRODUCT", 3998)
    assert (gift["quantity"], gift["amountTotal"], credit["amountTotal"]) == (1, -1000, -1)


async def test_return_urls_are_kept_and_must_be_web_urls(merchant: Merchant) -> None:
    body = session_body(successUrl="https://shop.example/kohortpay/checkout/success",
                        cancelUrl="https://shop.example/kohortpay/checkout/cancel", currency="EUR", locale="de_DE")
    session = (await merchant.post("/checkout-sessions", json=body)).json()
    assert (session["successUrl"], session["cancelUrl"]) == (body["successUrl"], body["cancelUrl"])
    assert (await merchant.get(f"/checkout-sessions/{session['id']}")).json()["successUrl"] == body["successUrl"]
    for bad in ("javascript:alert(1)", "ftp://shop.example", 42, "https://x/" + "a" * 2100):
        response = await merchant.post("/checkout-sessions", json=session_body(client_reference_id=None,
                                                                                successUrl=bad))
        assert response.status_code == 400, bad
    assert await order_count(merchant) == 1


async def test_payment_intents_are_views_of_orders(merchant: Merchant) -> None:
    session = (await merchant.post("/checkout-sessions", json=session_body())).json()
    payment_intent_id = session["paymentIntentId"]
    for reference in (payment_intent_id, session["orderId"], "1042"):
        response = await merchant.get(f"/payment-intents/{reference}")
        assert response.status_code == 200, reference
        intent = response.json()
        assert (intent["id"], intent["status"], intent["amount"], intent["amountCashback"], intent["amountCaptured"]) == (
            payment_intent_id, "SUCCEEDED", 4990, 0, 4990)
        assert (intent["clientReferenceId"], intent["checkoutSessionId"], intent["orderId"]) == (
            "1042", session["id"], session["orderId"])
    listed = (await merchant.get("/payment-intents")).json()
    assert [item["id"] for item in listed["data"]] == [payment_intent_id]
    sessions = (await merchant.get("/checkout-sessions", params={"search": 'clientReferenceId:"1042"'})).json()
    assert (sessions["count"], sessions["data"][0]) == (1, session)


async def test_cashback_shows_on_the_payment_intent_once_the_group_settles(merchant: Merchant) -> None:
    owner = (await merchant.post("/checkout-sessions", json=session_body(amountTotal=10_000))).json()
    friend = (await merchant.post("/checkout-sessions", json=session_body(
        client_reference_id="1043", amountTotal=10_000, payment_group_share_id=owner["paymentGroupShareId"]))).json()
    ended = await merchant.post(f"/test-helpers/groups/{owner['paymentGroupId']}/end")
    assert ended.status_code == 200, ended.text
    for session in (owner, friend):
        intent = (await merchant.get(f"/payment-intents/{session['paymentIntentId']}")).json()
        assert (intent["status"], intent["amountCashback"], intent["amountCaptured"]) == (
            "CASHBACK_AVAILABLE", 500, 9500)


async def test_create_payment_intent_as_the_sdk_sends_it(merchant: Merchant) -> None:
    session = (await merchant.post("/checkout-sessions", json=session_body())).json()
    same = await merchant.post("/payment-intents", json={"amount": 4990, "checkoutSessionId": session["id"],
                                                         "status": "REQUIRES_PAYMENT_METHOD"})
    assert same.status_code == 200, same.text
    assert same.json()["id"] == session["paymentIntentId"]
    other_amount = await merchant.post("/payment-intents", json={"amount": 1, "checkoutSessionId": session["id"]})
    assert other_amount.status_code == 409
    unknown = await merchant.post("/payment-intents", json={"amount": 4990, "checkoutSessionId": "cs_nope"})
    assert unknown.status_code == 404
    customer = await create_customer(merchant)
    new = await merchant.post("/payment-intents", json={"amount": 2500, "customerId": customer["id"],
                                                        "metadata": {"source": 1}})
    assert new.status_code == 201, new.text
    assert (new.json()["amount"], new.json()["customerId"], new.json()["status"]) == (2500, customer["id"], "SUCCEEDED")
    nothing = await merchant.post("/payment-intents", json={"customerId": customer["id"]})
    assert nothing.status_code == 400
    assert await order_count(merchant) == 2


@pytest.mark.parametrize("path", ["/checkout-sessions/{id}", "/payment-intents/{pi}", "/checkout-sessions/1042",
                                  "/payment-intents/1042"])
async def test_other_organizations_and_modes_see_nothing(merchant: Merchant, other_merchant: Merchant,
                                                         path: str) -> None:
    session = (await merchant.post("/checkout-sessions", json=session_body())).json()
    url = path.format(id=session["id"], pi=session["paymentIntentId"])
    assert (await merchant.get(url)).status_code == 200
    assert (await merchant.get(url, key="sk_live")).status_code == 404
    assert (await other_merchant.get(url)).status_code == 404
    assert (await merchant.get(url, key="pk_test")).status_code in (401, 403)
    assert (await other_merchant.get("/checkout-sessions")).json()["count"] == 0
    # Another organization may use the same shop order number.
    again = await other_merchant.post("/checkout-sessions", json=session_body())
    assert again.status_code == 201
    assert again.json()["id"] != session["id"]


async def test_the_session_url_sends_the_shopper_back_or_to_the_group(merchant: Merchant) -> None:
    with_return = (await merchant.post("/checkout-sessions", json=session_body(
        successUrl="https://shop.example/done?store=fr"))).json()
    page = await merchant.client.get(f"/c/{with_return['shareId']}")
    assert page.status_code == 303
    assert page.headers["location"] == f"https://shop.example/done?store=fr&payment_id={with_return['paymentIntentId']}"
    plain = (await merchant.post("/checkout-sessions", json=session_body(client_reference_id="7"))).json()
    page = await merchant.client.get(f"/c/{plain['shareId']}")
    assert (page.status_code, page.headers["location"]) == (303, f"/fr_FR/pg/{plain['paymentGroupShareId']}")
    for unknown in (plain["shareId"].replace("cs_test_", "cs_live_"), plain["id"], "cs_test_nope", "x" * 300):
        assert (await merchant.client.get(f"/c/{unknown}")).status_code == 404
