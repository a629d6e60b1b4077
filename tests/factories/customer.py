"""Customers through the API."""

from __future__ import annotations

from typing import Any

from tests.factories.merchant import Merchant, unique_email


async def create_customer(merchant: Merchant, *, key: str = "sk_test", **fields: Any) -> dict[str, Any]:
    """POST /customers with a fresh email unless given; asserts 201 and returns the customer."""
    body = {"emailAddress": unique_email("customer"), "firstName": "Cleo", "lastName": "Diaz", **fields}
    response = await merchant.post("/customers", json=body, key=key)
    assert response.status_code == 201, response.text
    return response.json()


async def customer_count(merchant: Merchant, *, key: str = "sk_test") -> int:
    response = await merchant.get("/customers", key=key)
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


async def order_count(merchant: Merchant, *, key: str = "sk_test") -> int:
    response = await merchant.get("/orders", key=key)
    assert response.status_code == 200, response.text
    return int(response.json()["count"])
