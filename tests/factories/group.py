"""Referral groups through the API: settings, opening, joining."""

from __future__ import annotations

from typing import Any

from tests.factories.merchant import Merchant


async def set_group_settings(merchant: Merchant, *, key: str = "sk_test", **changes: Any) -> dict[str, Any]:
    """PATCH /payment-group-settings; asserts 200 and returns the settings."""
    response = await merchant.patch("/payment-group-settings", json=changes, key=key)
    assert response.status_code == 200, response.text
    return response.json()


async def get_group(merchant: Merchant, reference: str, *, key: str = "sk_test", **params: Any) -> dict[str, Any]:
    response = await merchant.get(f"/groups/{reference}", key=key, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def join(merchant: Merchant, share_code: str, *, amount: int = 10_000, email: str | None = None,
               **fields: Any) -> dict[str, Any]:
    """A new shopper's order joining `share_code`; asserts 201."""
    order = await merchant.order(amount=amount, email=email, share_code=share_code, **fields)
    return order
