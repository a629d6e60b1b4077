"""No 5xx on the legacy intake, whatever arrives (PrestaShop and Magento do not catch one): every bad body
is a 4xx in the error envelope and writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.checkout.test_checkout_sessions import session_body
from tests.factories.customer import customer_count, order_count
from tests.factories.merchant import Merchant

JUNK: list[Any] = [None, True, -1, 0, 10**30, 1e300, -1e-300, "", "x" * 5000, "١٢٣", "💸", [], [[[]]], {},
                   {"a": {"b": {"c": [1, {"d": None}]}}}, "\u202e\ufeff", "1e400000"]
FIELDS = ["amountTotal", "amount", "customerEmail", "customer_first_name", "customerLastName", "customerPhoneNumber",
          "customerId", "locale", "client_reference_id", "payment_client_reference_id", "payment_group_share_id",
          "checkoutSessionId", "metadata", "lineItems", "successUrl", "cancelUrl", "currency"]
RAW_BODIES = [
    b'{"amountTotal": NaN}', b'{"amountTotal": Infinity}', b'{"amountTotal": -Infinity}', b'{"amountTotal": 1e999}',
    b'{"amountTotal": ' + b"9" * 5000 + b"}", b"[" * 10_000 + b"]" * 10_000, b"{" * 5000,
    b'{"amountTotal": 100, "lineItems": [' + b",".join([b'{"price": 1}'] * 600) + b"]}",
    b'{"customerEmail": "a\\u0000@b.c"}', b"\xff\xfe\x00", b'"just a string"', b"null", b"123",
    b'{"metadata": {"' + b"k" * 100 + b'": 1}}', b'{"lineItems": {"price": 1}}',
]


async def _assert_refused_cleanly(merchant: Merchant, path: str, content: bytes) -> None:
    response = await merchant.post(path, content=content, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, (content[:200], response.status_code, response.text[:300])
    error = response.json()["error"]
    assert error["type"]
    assert error["code"]
    assert error["message"]


@pytest.mark.parametrize("path", ["/checkout-sessions", "/payment-intents"])
async def test_wrong_types_and_sizes_in_every_field(merchant: Merchant, path: str) -> None:
    valid = session_body(client_reference_id=None, payment_client_reference_id=None)
    for field in FIELDS:
        for value in JUNK:
            body = {**valid, field: value}
            response = await merchant.post(path, content=json.dumps(body).encode(),
                                           headers={"Content-Type": "application/json"})
            assert response.status_code < 500, (field, value, response.text[:300])
            if response.status_code >= 400:
                assert response.json()["error"]["code"]


@pytest.mark.parametrize("path", ["/checkout-sessions", "/payment-intents"])
async def test_malformed_and_oversized_bodies(merchant: Merchant, path: str) -> None:
    for raw in RAW_BODIES:
        await _assert_refused_cleanly(merchant, path, raw)
    padded = json.dumps(session_body(metadata={"note": "x" * 400}, lineItems=[
        {"name": "n" * 400, "description": "d" * 1000, "price": 1, "quantity": 1}] * 60)).encode()
    assert len(padded) > 64 * 1024
    await _assert_refused_cleanly(merchant, path, padded)
    assert await order_count(merchant) == 0
    assert await customer_count(merchant) == 0


@pytest.mark.parametrize("reference", [" ", "x" * 5000, "cs_", "pi_", "cs_test_", "%F0%9F%92%B8", "..%2F..",
                                       "ord_" + "f" * 200, "1' OR '1'='1"])
async def test_lookups_with_junk_references_are_404(merchant: Merchant, reference: str) -> None:
    for path in ("/checkout-sessions", "/payment-intents"):
        response = await merchant.get(f"{path}/{reference}")
        assert response.status_code == 404, (path, reference, response.text[:200])
        assert response.json()["error"]["code"] == "NOT_FOUND"
