"""API versions and key casing: camelCase (2025-01-01, default) or snake_case (2024-01-01)."""

from __future__ import annotations

import re

import httpx
import pytest

from kohort.db import Database
from tests.factories.merchant import Merchant, create_merchant, unique_email

SEED_ORDER_KEYS = {
    "id", "livemode", "organizationId", "amount", "amountCashback", "applicationFeeAmount", "customerEmail",
    "customerFirstName", "customerLastName", "customerPhoneNumber", "paymentGroupShareId", "customerId", "currency",
    "locale", "status", "metadata", "paymentGroupId", "ambassadorId", "clientReferenceId", "riskLevel", "createdAt",
    "createdBy", "updatedAt", "updatedBy",
    # Issue 10: refunds and the cashback hold, on top of the seed's fields.
    "amountRefunded", "cashbackAvailableAt", "cashbackNetted",
    # Ours: the shop's lines, kept since the plugins' checkout sessions send them.
    "lineItems",
}
SNAKE = re.compile(r"[a-z0-9_]+")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
METADATA = {"basketId": "1JYLo8KerLxWZaQtys6ZQ1xS", "snake_key": " padded value ", "MixedCase": "Ünïcödé"}


def all_keys(value: object, *, skip_metadata: bool = True) -> set[str]:
    keys: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            keys.add(key)
            if not (skip_metadata and key == "metadata"):
                keys |= all_keys(item)
    elif isinstance(value, list):
        for item in value:
            keys |= all_keys(item)
    return keys


@pytest.fixture
async def legacy_merchant(database: Database, app_client: httpx.AsyncClient) -> Merchant:
    return await create_merchant(database, app_client, name="Legacy shop", api_version="2024-01-01")


async def test_default_is_camel_case_with_the_version_header(merchant: Merchant) -> None:
    response = await merchant.post("/orders", json={"amount": 1000, "customerEmail": unique_email(),
                                                    "customerFirstName": "A", "customerLastName": "B",
                                                    "metadata": METADATA})
    assert response.status_code == 201
    assert response.headers["Kohort-Version"] == "2025-01-01"
    assert set(response.json()) == SEED_ORDER_KEYS
    assert response.json()["metadata"] == METADATA


async def test_header_selects_snake_case(merchant: Merchant) -> None:
    order = await merchant.order(metadata=METADATA)
    response = await merchant.get(f"/orders/{order['id']}", headers={"Kohort-Version": "2024-01-01"},
                                  params={"expand[]": ["paymentGroup", "customer"]})
    assert response.headers["Kohort-Version"] == "2024-01-01"
    body = response.json()
    assert all(SNAKE.fullmatch(key) for key in all_keys(body)), all_keys(body)
    assert body["payment_group_share_id"] == order["paymentGroupShareId"]
    assert body["payment_group"]["share_id"] == order["paymentGroupShareId"]
    assert "mid_expire_at" in body["payment_group"]
    assert "j_minus2_expire_at" in body["payment_group"]
    assert body["customer"]["email_address"] == order["customerEmail"]
    assert body["metadata"] == METADATA


async def test_organization_pinned_to_the_legacy_version(legacy_merchant: Merchant) -> None:
    response = await legacy_merchant.post("/orders", json={"amount": 1000, "customer_email": unique_email(),
                                                           "customerFirstName": "A", "customer_last_name": "B",
                                                           "metadata": METADATA})
    assert response.status_code == 201
    assert response.headers["Kohort-Version"] == "2024-01-01"
    body = response.json()
    assert set(body) == {re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower() for key in SEED_ORDER_KEYS}
    assert body["metadata"] == METADATA
    # Lists, group reads, settings and errors follow it too.
    listed = (await legacy_merchant.get("/orders")).json()
    assert set(listed) == {"data", "count"}
    assert "payment_group_id" in listed["data"][0]
    group = (await legacy_merchant.get(f"/groups/{body['payment_group_id']}")).json()
    assert "j_plus3_start_at" in group
    assert "participant_count" in group
    settings = (await legacy_merchant.get("/payment-group-settings")).json()
    assert settings["discount_levels"][0] == {"level": 1, "participants_to_unlock": 2, "value": 5}
    # …unless a request asks for the current version.
    current = await legacy_merchant.get("/orders", headers={"Kohort-Version": "2025-01-01"})
    assert current.headers["Kohort-Version"] == "2025-01-01"
    assert "paymentGroupId" in current.json()["data"][0]


@pytest.mark.parametrize("version", ["2023-01-01", "latest", "", "2025-01-01x"])
async def test_unknown_version_is_400(merchant: Merchant, version: str) -> None:
    response = await merchant.get("/orders", headers={"Kohort-Version": version})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_API_VERSION"
    assert response.headers["Kohort-Version"]


async def test_every_response_names_its_version(merchant: Merchant) -> None:
    order = await merchant.order()
    for method, path in (("GET", "/health"), ("GET", "/openapi.json"), ("GET", "/orders/ord_missing"),
                         ("GET", "/nowhere"), ("POST", f"/groups/{order['paymentGroupShareId']}/validate"),
                         ("GET", "/customers"), ("DELETE", "/orders"), ("GET", "/customers/%00")):
        response = await merchant.request(method, path)
        assert response.headers.get("Kohort-Version") == "2025-01-01", (method, path, response.status_code)


async def test_timestamps_have_milliseconds_and_z(merchant: Merchant) -> None:
    order = await merchant.order()
    group = (await merchant.get(f"/groups/{order['paymentGroupId']}")).json()
    for value in (order["createdAt"], order["updatedAt"], group["expiresAt"], group["midExpireAt"], group["createdAt"]):
        assert TIMESTAMP.fullmatch(value), value


async def test_requests_accept_both_casings_and_ignore_unknown_fields(merchant: Merchant) -> None:
    email = unique_email()
    response = await merchant.post("/orders", json={
        "amount": 2500, "customer_email": email, "customerFirstName": "Mix", "customer_last_name": "Ed",
        "client_reference_id": "ref-mixed", "customerPhoneNumber": "+1 1", "image_url": "https://x", "extra": {"a": [1]},
        "locale": "en-GB",
    })
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["customerEmail"], order["customerFirstName"], order["customerLastName"]) == (email, "Mix", "Ed")
    assert order["clientReferenceId"] == "ref-mixed"
    assert order["customerPhoneNumber"] == "+1 1"
    assert order["locale"] == "en_US"  # orders store British English as en_US, like the original
    customer = (await merchant.get(f"/customers/{order['customerId']}")).json()
    assert customer["locale"] == "en_GB"


@pytest.mark.parametrize(("sent", "stored"), [("fr-BE", "fr_FR"), ("en_AU", "en_US"), ("de_DE", "fr_FR"), (None, "fr_FR")])
async def test_lenient_locales(merchant: Merchant, sent: str | None, stored: str) -> None:
    order = await merchant.order(locale=sent)
    assert order["locale"] == stored


async def test_metadata_is_passed_through_untouched(merchant: Merchant) -> None:
    metadata = {" spaced key ": "  spaced value  ", "CamelKey": "x", "snake_key": "y", "empty": ""}
    order = await merchant.order(metadata=metadata)
    assert order["metadata"] == metadata
    fetched = (await merchant.get(f"/orders/{order['id']}", headers={"Kohort-Version": "2024-01-01"})).json()
    assert fetched["metadata"] == metadata
    customer = await merchant.post("/customers", json={"emailAddress": unique_email(), "metadata": metadata})
    assert customer.json()["metadata"] == metadata
    group = await merchant.patch(f"/groups/{order['paymentGroupId']}", json={"metadata": metadata})
    assert group.json()["metadata"] == metadata


async def test_legacy_organization_validate_with_a_publishable_key(legacy_merchant: Merchant) -> None:
    # The installed plugins: no version header, snake_case read at the top level.
    order = (await legacy_merchant.post("/orders", json={"amount": 1000, "customer_email": unique_email(),
                                                         "customer_first_name": "A", "customer_last_name": "B"})).json()
    response = await legacy_merchant.client.post(
        f"/payment-groups/{order['payment_group_share_id'].lower()}/validate",
        headers={"Authorization": f"Bearer {legacy_merchant.keys['pk_test']}"},
    )
    assert response.status_code == 200
    assert response.headers["Kohort-Version"] == "2024-01-01"
    body = response.json()
    assert (body["discount_type"], body["current_discount_level"]["value"]) == ("PERCENTAGE", 5)
    assert body["payment_group_settings"]["discount_levels"][0]["participants_to_unlock"] == 2
    error = await legacy_merchant.client.post("/payment-groups/KHT-test-00000000/validate",
                                              headers={"Authorization": f"Bearer {legacy_merchant.keys['pk_test']}"})
    assert error.status_code == 404
    assert error.json()["error"]["code"] == "NOT_FOUND"
