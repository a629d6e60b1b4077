"""Request bodies: documented by FastAPI in /openapi.json, read by us (lenient, limited, after the key)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

from kohort import api
from kohort.http.body import MAX_BODY_BYTES, JsonBodyRoute
from tests.factories.merchant import Merchant

DOCUMENTED_BODIES = [
    ("post", "/orders", "OrderCreate"),
    ("post", "/customers", "CustomerCreate"),
    ("patch", "/customers/{customer_id}", "CustomerUpdate"),
    ("post", "/groups", "PaymentGroupCreate"),
    ("post", "/payment-groups", "PaymentGroupCreate"),
    ("patch", "/groups/{reference}", "PaymentGroupUpdate"),
    ("patch", "/payment-groups/{reference}", "PaymentGroupUpdate"),
    ("post", "/groups/{reference}/validate", "GroupValidate"),
    ("post", "/payment-groups/{reference}/validate", "GroupValidate"),
    ("patch", "/payment-group-settings", "GroupSettingsUpdate"),
    ("patch", "/brand-settings", "BrandSettingsUpdate"),
    ("patch", "/payout-settings", "PayoutSettingsUpdate"),
    ("post", "/withdrawals", "WithdrawalCreate"),
    ("post", "/payouts/{payout_id}/fail", "PayoutFail"),
    ("post", "/webhook-endpoints", "WebhookEndpointCreate"),
    ("patch", "/webhook-endpoints/{endpoint_id}", "WebhookEndpointUpdate"),
    ("post", "/events/{event_id}/resend", "EventResend"),
    ("post", "/checkout-sessions", "CheckoutSessionCreate"),
    ("post", "/payment-intents", "PaymentIntentCreate"),
    ("post", "/api-keys", "ApiKeyCreate"),
    ("post", "/api-keys/{key_id}/roll", "ApiKeyRoll"),
]


@pytest.mark.parametrize(("method", "path", "model"), DOCUMENTED_BODIES)
async def test_openapi_names_the_model_as_the_optional_json_body(
    app_client: httpx.AsyncClient, method: str, path: str, model: str
) -> None:
    document = (await app_client.get("/openapi.json")).json()
    request_body = document["paths"][path][method]["requestBody"]
    assert request_body["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
    assert request_body.get("required", False) is False  # plugins may send no body at all
    properties = document["components"]["schemas"][model]["properties"]
    assert properties
    assert all("_" not in name for name in properties)  # the documented casing


async def test_routes_without_a_body_document_none(app_client: httpx.AsyncClient) -> None:
    paths = (await app_client.get("/openapi.json")).json()["paths"]
    documented = {(method, path) for method, path, _ in DOCUMENTED_BODIES}
    with_body = {(method, path) for path, item in paths.items() for method, op in item.items() if "requestBody" in op}
    assert with_body == documented


def test_every_route_taking_a_body_leaves_the_reading_to_us() -> None:
    # FastAPI would read and parse the body itself, before the key is checked and without our limit.
    routers = [value for value in vars(api).values() if isinstance(value, APIRouter)]
    routes = [route for router in routers for route in router.routes
              if isinstance(route, APIRoute) and route.body_field is not None]
    assert len(routes) == len({path for _, path, _ in DOCUMENTED_BODIES if not path.startswith("/payment-groups")})
    assert all(isinstance(route, JsonBodyRoute) for route in routes), [r.path for r in routes]


async def test_the_key_is_checked_before_the_body(app_client: httpx.AsyncClient) -> None:
    response = await app_client.post("/orders", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_a_streamed_body_is_cut_at_the_limit(merchant: Merchant) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit must hold while reading
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    response = await merchant.client.post("/orders", content=chunks(), headers=merchant.headers())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BODY_TOO_LARGE"


@pytest.mark.parametrize("body", [b"", b"   ", b"{}"])
async def test_an_empty_body_is_an_empty_object(merchant: Merchant, body: bytes) -> None:
    order = await merchant.order()
    response = await merchant.client.post(f"/groups/{order['paymentGroupShareId']}/validate", content=body,
                                          headers=merchant.headers("pk_test", **{"Content-Type": "application/json"}))
    assert response.status_code == 200, response.text
    assert response.json()["shareId"] == order["paymentGroupShareId"]


async def test_both_casings_and_unknown_keys_are_accepted(merchant: Merchant) -> None:
    response = await merchant.post("/customers", json={"emailAddress": "eve@example.com", "first_name": "Eve",
                                                       "lastName": "Roux", "shopPlugin": "woo"})
    assert response.status_code == 201, response.text
    assert response.json()["firstName"] == "Eve"
    assert response.json()["lastName"] == "Roux"
