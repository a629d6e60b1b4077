"""The installed shop plugins' real calls, replayed byte for byte (SURFACES.md §4.1–4.3): the bodies as
PHP's json_encode writes them (escaped slashes and non-ASCII, integer-valued floats such as `4990.0`),
with exactly the headers each plugin sends, and the fields each plugin reads back, on both API versions
(the plugins read snake_case, so their organizations are pinned to 2024-01-01; the current version must
serve the same calls with camelCase keys)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kohort.db import Database
from kohort.kit.casing import to_camel
from tests.factories.group import set_group_settings
from tests.factories.merchant import Merchant, create_merchant

VERSIONS = ["2024-01-01", "2025-01-01"]


def php_json(value: Any) -> bytes:
    """json_encode with PHP's defaults: compact, `/` escaped, non-ASCII as \\uXXXX, floats in their
    shortest round-trip form (4990.0, 1998.9999999999998)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def read(body: dict[str, Any], snake_path: str, version: str) -> Any:
    """A field as the plugin reads it (`current_discount_level.value`), in the version's casing."""
    for part in snake_path.split("."):
        body = body[part if version == "2024-01-01" else to_camel(part)]
    return body


@pytest.fixture(params=VERSIONS)
async def shop(request: pytest.FixtureRequest, database: Database, app_client: httpx.AsyncClient) -> Merchant:
    return await create_merchant(database, app_client, name="Boutique Été", api_version=request.param)


async def send(shop: Merchant, method: str, path: str, *, body: bytes | None, headers: dict[str, str]) -> httpx.Response:
    return await shop.client.request(method, path, content=body, headers=headers)


async def test_prestashop(shop: Merchant) -> None:
    """P1 (validate with a JSON body), P2 (the paid order with its lines), both as module v1.3.0 sends them."""
    version = shop.api_version
    await set_group_settings(shop, minPurchaseValue=2000)
    headers = {"Authorization": f"Bearer {shop.keys['sk_test']}", "Content-Type": "application/json"}
    owner = await send(shop, "POST", "/checkout-sessions", headers=headers, body=php_json({
        "customerFirstName": "Amélie", "customerLastName": "Poulain", "customerEmail": "amelie@example.fr",
        "customerPhoneNumber": "", "amountTotal": 4990.0,
        "lineItems": [
            {"name": "Tasse bleue", "description": "Grès émaillé", "price": 1995.0, "quantity": 2, "type": "PRODUCT",
             "image_url": "https://boutique.example/img/p/1/1-home_default.jpg"},
            {"name": "Bienvenue", "price": -500.0, "quantity": 1, "type": "DISCOUNT"},
            {"name": "Colissimo", "price": 1500.0, "quantity": 1, "type": "SHIPPING"},
        ],
        "client_reference_id": "17", "payment_client_reference_id": "17",
        "metadata": {"order_id": 17, "cart_id": 42, "customer_id": 3},
    }))
    assert owner.status_code == 201, owner.text
    assert read(owner.json(), "id", version).startswith("cs_")  # written to the order log
    code = read(owner.json(), "payment_group_share_id", version)
    assert code.startswith("KHT")  # the voucher field intercepts codes starting with KHT

    # P1: the shopper types the code in any case; it goes into the path as typed.
    typed = code.lower()
    validated = await send(shop, "POST", f"/payment-groups/{typed}/validate", headers=headers,
                           body=php_json({"amount": 3000}))
    assert 200 <= validated.status_code < 300, validated.text
    assert read(validated.json(), "discount_type", version) == "PERCENTAGE"
    assert read(validated.json(), "current_discount_level.value", version) == 5
    too_low = await send(shop, "POST", f"/payment-groups/{typed}/validate", headers=headers,
                         body=php_json({"amount": 1500}))
    assert (too_low.status_code, read(too_low.json(), "error.code", version)) == (400, "AMOUNT_TOO_LOW")
    unknown = await send(shop, "POST", "/payment-groups/KHT-test-ZZZZZZZZ/validate", headers=headers,
                         body=php_json({"amount": 3000}))
    assert (unknown.status_code, read(unknown.json(), "error.code", version)) == (404, "NOT_FOUND")

    # P2 for the friend, with the stored code; the hook fires twice, the second is a replay.
    friend_body = php_json({
        "customerFirstName": "Nino", "customerLastName": "Quincampoix", "customerEmail": "nino@example.fr",
        "customerPhoneNumber": "0601020304", "amountTotal": 3000.0,
        "lineItems": [{"name": "Photomaton", "description": "", "price": 3000.0, "quantity": 1, "type": "PRODUCT",
                       "image_url": "https://boutique.example/img/p/2/2-home_default.jpg"},
                      {"name": "", "price": 0.0, "quantity": 1, "type": "SHIPPING"}],
        "client_reference_id": "18", "payment_client_reference_id": "18", "payment_group_share_id": typed,
        "metadata": {"order_id": 18, "cart_id": 43, "customer_id": 4},
    })
    friend = await send(shop, "POST", "/checkout-sessions", headers=headers, body=friend_body)
    again = await send(shop, "POST", "/checkout-sessions", headers=headers, body=friend_body)
    assert (friend.status_code, again.status_code) == (201, 200), friend.text
    assert read(again.json(), "id", version) == read(friend.json(), "id", version)
    assert read(friend.json(), "payment_group_id", version) == read(owner.json(), "payment_group_id", version)
    # A refusal is a 4xx whose error.message the module logs against the order.
    refused = await send(shop, "POST", "/checkout-sessions", headers=headers, body=php_json({
        "customerFirstName": "Nino", "customerLastName": "Quincampoix", "customerEmail": "nino@example.fr",
        "amountTotal": 3000.0, "lineItems": [], "client_reference_id": "19", "payment_client_reference_id": "19",
        "payment_group_share_id": code, "metadata": {"order_id": 19, "cart_id": 44, "customer_id": 4}}))
    assert refused.status_code == 400
    assert read(refused.json(), "error.code", version) == "EMAIL_ALREADY_USED"
    assert read(refused.json(), "error.message", version)


async def test_woocommerce(shop: Merchant) -> None:
    """W1 (validate with no body and no Content-Type, repeated on every cart refresh) and W2 (the order
    when it moves to processing), for a shop whose codes start with KHTPAY (the only ones it sees)."""
    version = shop.api_version
    await set_group_settings(shop, shareCodePrefix="KHTPAY")
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {shop.keys['sk_test']}"}

    def order(number: str, email: str, **extra: Any) -> bytes:
        return php_json({
            "customerFirstName": "Jürgen", "customerLastName": "Müller", "customerEmail": email,
            "customerPhoneNumber": "+49 30 1234567", "clientReferenceId": number, "paymentClientReferenceId": number,
            "locale": "de_DE", "amountTotal": 8900,
            "lineItems": [
                {"name": "Kaffeemühle", "description": "Handmühle aus Holz", "quantity": 1, "price": 7900,
                 "image_url": "https://shop.example/wp-content/uploads/muehle-150x150.jpg", "type": "PRODUCT"},
                {"name": "Versand", "quantity": 1, "price": 1000, "type": "SHIPPING"},
            ],
            "metadata": {"order_id": int(number), "customer_id": 0},
            **extra,
        })

    owner = await send(shop, "POST", "/checkout-sessions", headers=headers, body=order("501", "juergen@example.de"))
    assert owner.status_code == 201, owner.text  # the body is not parsed, only the status
    code = read(owner.json(), "payment_group_share_id", version)
    assert code.startswith("KHTPAY-test-")
    assert read(owner.json(), "locale", version) == "fr_FR"  # de_DE: the default, not a 400

    # W1: WooCommerce lower-cases the coupon, the plugin upper-cases it and restores "test".
    coupon = code.lower()
    assert coupon.startswith("khtpay-")
    normalized = coupon.upper().replace("TEST", "test")
    for _ in range(3):
        validated = await send(shop, "POST", f"/payment-groups/{normalized}/validate",
                               headers={"Authorization": f"Bearer {shop.keys['sk_test']}"}, body=None)
        assert 200 <= validated.status_code < 300, validated.text
        assert read(validated.json(), "discount_type", version) == "PERCENTAGE"
        assert read(validated.json(), "current_discount_level.value", version) == 5
    friend = await send(shop, "POST", "/checkout-sessions", headers=headers,
                        body=order("502", "greta@example.de", payment_group_share_id=normalized))
    assert friend.status_code == 201, friend.text
    assert read(friend.json(), "payment_group_id", version) == read(owner.json(), "payment_group_id", version)
    expired = await send(shop, "POST", "/payment-groups/KHTPAY-test-ZZZZZZZZ/validate",
                         headers={"Authorization": f"Bearer {shop.keys['sk_test']}"}, body=None)
    assert (expired.status_code, read(expired.json(), "error.code", version)) == (404, "NOT_FOUND")


async def test_magento(shop: Merchant) -> None:
    """M1 (the session, whose `url` the shopper is sent to), M2 (the return, carrying the payment intent's
    id) and M4 (the cashback read back for credit memos), as module HEAD sends them."""
    version = shop.api_version
    headers = {"Authorization": f"Bearer {shop.keys['sk_test']}", "Content-Type": "application/json"}
    body = php_json({
        "customerFirstName": "Sofia", "customerLastName": "Rossi", "customerEmail": "sofia@example.it",
        "customerPhone": "+39 06 1234567",
        "successUrl": "https://magento.example/kohortpay/checkout/success",
        "cancelUrl": "https://magento.example/kohortpay/checkout/cancel",
        "locale": "it_IT", "currency": "EUR", "amountTotal": 1998.9999999999998,
        "lineItems": [
            {"name": "Moka", "description": "<p>Caffettiera</p>", "price": 1499.0, "quantity": 1.0, "type": "PRODUCT",
             "image_url": "https://magento.example/media/catalog/product/m/o/moka.jpg"},
            {"name": "Spedizione", "price": 500.0, "quantity": 1, "type": "SHIPPING"},
        ],
        "metadata": {"quote_id": 12, "order_id": "000000031", "customer_id": None},
    })
    created = await send(shop, "POST", "/checkout-sessions", headers=headers, body=body)
    assert created.status_code == 201, created.text
    session = created.json()
    assert read(session, "amount_total", version) == 1999
    url = read(session, "url", version)
    assert urlsplit(url).path == f"/c/{read(session, 'share_id', version)}"

    # M2: the browser follows `url` and comes back to successUrl with the payment intent's id.
    landing = await shop.client.get(urlsplit(url).path)
    assert landing.status_code == 303
    back = urlsplit(landing.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == "https://magento.example/kohortpay/checkout/success"
    payment_id = parse_qs(back.query)["payment_id"][0]
    assert payment_id == read(session, "payment_intent_id", version)

    # M4: the credit memo reads amount_cashback in cents.
    intent = await shop.client.get(f"/payment-intents/{payment_id}",
                                   headers={"Authorization": f"Bearer {shop.keys['sk_test']}"})
    assert intent.status_code == 200, intent.text
    assert read(intent.json(), "amount_cashback", version) == 0
    missing = await shop.client.get("/payment-intents/pi_00000000000000000000",
                                    headers={"Authorization": f"Bearer {shop.keys['sk_test']}"})
    assert 400 <= missing.status_code < 500
    assert read(missing.json(), "error.message", version)

    # M3: a credit memo refunds part of the order, naming it by the parent transaction id (the payment
    # intent's, from M2), in snake_case; the module reads `error.message` when it fails.
    refunded = await send(shop, "POST", "/refunds", headers=headers,
                          body=php_json({"amount": 500, "payment_intent_id": payment_id}))
    assert refunded.status_code == 201, refunded.text
    order_id = read(session, "order_id", version)
    assert (read(refunded.json(), "order_id", version), read(refunded.json(), "amount", version)) == (order_id, 500)
    assert read(refunded.json(), "id", version).startswith("re_")
    refunded_order = await shop.client.get(f"/orders/{order_id}", headers={"Authorization": f"Bearer {shop.keys['sk_test']}"})
    assert read(refunded_order.json(), "amount_refunded", version) == 500
    unknown = await send(shop, "POST", "/refunds", headers=headers,
                         body=php_json({"amount": 500, "payment_intent_id": "pi_00000000000000000000"}))
    assert unknown.status_code == 404
    assert read(unknown.json(), "error.code", version) == "NOT_FOUND"
    assert "pi_00000000000000000000" in read(unknown.json(), "error.message", version)
