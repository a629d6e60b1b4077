"""Publishable keys (pk_…) live in browsers: they may only validate share codes."""

from __future__ import annotations

import base64

import pytest

from tests.factories.merchant import Merchant, unique_email


async def objects(merchant: Merchant, key: str) -> dict[str, str]:
    order = await merchant.order(key=key.replace("pk_", "sk_"))
    return {"order": order["id"], "customer": order["customerId"], "group": order["paymentGroupId"],
            "code": order["paymentGroupShareId"]}


def secret_only_calls(ids: dict[str, str]) -> list[tuple[str, str, object]]:
    calls: list[tuple[str, str, object]] = [
        ("GET", "/orders", None),
        ("GET", f"/orders/{ids['order']}", None),
        ("POST", "/orders", {"amount": 1000, "customerEmail": unique_email(), "customerFirstName": "A",
                             "customerLastName": "B"}),
        ("GET", "/customers", None),
        ("POST", "/customers", {"emailAddress": unique_email()}),
        ("GET", f"/customers/{ids['customer']}", None),
        ("PATCH", f"/customers/{ids['customer']}", {"firstName": "Mallory"}),
        ("DELETE", f"/customers/{ids['customer']}", None),
        ("PATCH", f"/customers/{ids['customer']}/block", None),
        ("PATCH", f"/customers/{ids['customer']}/unblock", None),
        ("GET", "/payment-group-settings", None),
        ("PATCH", "/payment-group-settings", {"maxParticipants": 2}),
    ]
    for prefix in ("/groups", "/payment-groups"):
        calls += [
            ("GET", prefix, None),
            ("POST", prefix, {"customerId": ids["customer"], "orderId": ids["order"]}),
            ("GET", f"{prefix}/{ids['group']}", None),
            ("GET", f"{prefix}/{ids['code']}", None),
            ("PATCH", f"{prefix}/{ids['group']}", {"metadata": {"x": "y"}}),
            ("GET", f"{prefix}/{ids['group']}/participants", None),
            ("POST", f"{prefix}/{ids['group']}/cancel", None),
            ("POST", f"{prefix}/{ids['group']}/expire", None),
        ]
    return calls


@pytest.mark.parametrize("key", ["pk_test", "pk_live"])
async def test_publishable_keys_get_403_and_no_data_everywhere_else(merchant: Merchant, key: str) -> None:
    ids = await objects(merchant, key)
    for method, path, body in secret_only_calls(ids):
        response = await merchant.request(method, path, key=key, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json() == {"error": {"type": "permission_error", "message": response.json()["error"]["message"],
                                             "code": "SECRET_KEY_REQUIRED"}}
        for secret in ids.values():
            assert secret not in response.text, (method, path)

    # Nothing was changed by any of those calls.
    customer = (await merchant.get(f"/customers/{ids['customer']}", key=key.replace("pk_", "sk_"))).json()
    assert customer["firstName"] == "Ann"
    assert customer["isBlocked"] is False
    assert customer["deletedAt"] is None
    group = (await merchant.get(f"/groups/{ids['group']}", key=key.replace("pk_", "sk_"))).json()
    assert group["status"] == "OPEN"
    assert group["metadata"] is None
    settings = (await merchant.get("/payment-group-settings", key=key.replace("pk_", "sk_"))).json()
    assert settings["maxParticipants"] == 15
    assert (await merchant.get("/customers", key=key.replace("pk_", "sk_"))).json()["count"] == 1


@pytest.mark.parametrize("prefix", ["/groups", "/payment-groups"])
@pytest.mark.parametrize("key", ["pk_test", "pk_live"])
async def test_publishable_keys_may_validate(merchant: Merchant, key: str, prefix: str) -> None:
    ids = await objects(merchant, key)
    response = await merchant.post(f"{prefix}/{ids['code']}/validate", key=key)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == ids["group"]


async def test_publishable_key_over_basic_may_validate(merchant: Merchant) -> None:
    ids = await objects(merchant, "pk_test")
    auth = "Basic " + base64.b64encode(f"{merchant.keys['pk_test']}:".encode()).decode()
    response = await merchant.client.post(f"/payment-groups/{ids['code']}/validate", headers={"Authorization": auth})
    assert response.status_code == 200, response.text
