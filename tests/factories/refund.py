"""Refunds through the API."""

from __future__ import annotations

from typing import Any

from tests.factories.merchant import Merchant


async def refund(merchant: Merchant, order_id: str, amount: int | None = None, **fields: Any) -> dict[str, Any]:
    """POST /orders/{id}/refunds; asserts 201 and returns the refund."""
    body = {**({"amount": amount} if amount is not None else {}), **fields}
    response = await merchant.post(f"/orders/{order_id}/refunds", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def order(merchant: Merchant, order_id: str) -> dict[str, Any]:
    response = await merchant.get(f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    return response.json()
