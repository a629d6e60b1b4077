"""`Idempotency-Key` on POSTs: one run per key, retries replayed, misuse refused (both backends)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from kohort.db import Database
from kohort.idempotency import service
from kohort.idempotency.tasks import purge_expired_keys
from kohort.kit.clock import FrozenClock
from kohort.models import idempotency_keys, orders
from kohort.runtime import Runtime
from kohort.tenant import Tenant
from tests.factories.merchant import Merchant, unique_email


def _order(**extra: Any) -> dict[str, Any]:
    return {"amount": 10_000, "customerEmail": unique_email(), "customerFirstName": "Ann", "customerLastName": "Lee",
            **extra}


async def _order_count(database: Database, merchant: Merchant) -> int:
    async with database.transaction() as connection:
        query = select(func.count()).select_from(orders).where(orders.c.organization_id == merchant.id)
        return int((await connection.execute(query)).scalar_one())


async def _post(merchant: Merchant, body: dict[str, Any], key: str, **headers: str) -> httpx.Response:
    return await merchant.post("/orders", json=body, headers={"Idempotency-Key": key, **headers})


async def test_a_retry_gets_the_first_answer_and_creates_nothing(merchant: Merchant, database: Database) -> None:
    body = _order()
    first = await _post(merchant, body, "retry-1")
    again = await _post(merchant, body, "retry-1")
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["content-type"] == "application/json"
    assert again.headers["kohort-version"] == first.headers["kohort-version"]
    assert await _order_count(database, merchant) == 1


async def test_the_replay_keeps_the_first_answers_api_version(merchant: Merchant) -> None:
    body = _order()
    first = await _post(merchant, body, "version-1", **{"Kohort-Version": "2024-01-01"})
    again = await _post(merchant, body, "version-1")
    assert "customer_id" in first.json()
    assert again.content == first.content
    assert again.headers["kohort-version"] == "2024-01-01"


async def test_the_same_key_with_another_body_is_refused(merchant: Merchant, database: Database) -> None:
    assert (await _post(merchant, _order(), "reused-1")).status_code == 201
    reused = await _post(merchant, _order(), "reused-1")
    assert reused.status_code == 400
    assert reused.json() == {"error": {"type": "invalid_request_error", "code": "IDEMPOTENCY_KEY_REUSED",
                                       "message": "This Idempotency-Key was already used with a different request."}}
    assert await _order_count(database, merchant) == 1


async def test_the_same_key_on_another_path_is_refused(merchant: Merchant) -> None:
    body = _order()
    assert (await _post(merchant, body, "path-1")).status_code == 201
    other = await merchant.post("/customers", json={"email": unique_email()}, headers={"Idempotency-Key": "path-1"})
    assert other.status_code == 400
    assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_keys_are_scoped_by_organization_and_mode(merchant: Merchant, other_merchant: Merchant,
                                                       database: Database) -> None:
    body = _order()
    assert (await _post(merchant, body, "scoped-1")).status_code == 201
    elsewhere = await _post(other_merchant, body, "scoped-1")
    live = await merchant.post("/orders", json=body, key="sk_live", headers={"Idempotency-Key": "scoped-1"})
    assert elsewhere.status_code == 201
    assert "idempotent-replayed" not in elsewhere.headers
    assert live.status_code == 201
    assert "idempotent-replayed" not in live.headers
    assert await _order_count(database, other_merchant) == 1


async def test_a_validation_error_is_not_kept(merchant: Merchant, database: Database) -> None:
    refused = await _post(merchant, {"amount": -1}, "fix-1")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "VALIDATION_ERROR"
    # The key was released: the corrected request runs under the same key.
    corrected = await _post(merchant, _order(), "fix-1")
    assert corrected.status_code == 201, corrected.text
    assert "idempotent-replayed" not in corrected.headers
    assert await _order_count(database, merchant) == 1


async def test_a_key_that_is_too_long_or_empty_is_a_400(merchant: Merchant, database: Database) -> None:
    for key in ("k" * 256, " "):
        response = await _post(merchant, _order(), key)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "INVALID_IDEMPOTENCY_KEY"
    assert (await _post(merchant, _order(), "k" * 255)).status_code == 201
    assert await _order_count(database, merchant) == 1


async def test_a_request_still_running_makes_a_retry_409(merchant: Merchant, database: Database,
                                                         frozen_clock: FrozenClock) -> None:
    body = _order()
    tenant = Tenant(merchant.id, livemode=False)
    # What the middleware fingerprints: the body bytes exactly as httpx sends them.
    sent = httpx.Request("POST", "http://kohort.test/orders", json=body).content
    held = await service.claim(database, tenant, "busy-1", service.fingerprint("POST", "/orders", sent))
    assert isinstance(held, service.Claim)
    busy = await _post(merchant, body, "busy-1")
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
    assert await _order_count(database, merchant) == 0
    # Its server dies: past the lease, a retry runs the request.
    frozen_clock.advance(service.LEASE - timedelta(seconds=1))
    assert (await _post(merchant, body, "busy-1")).status_code == 409
    frozen_clock.advance(timedelta(seconds=2))
    retried = await _post(merchant, body, "busy-1")
    assert retried.status_code == 201, retried.text
    assert await _order_count(database, merchant) == 1
    # The dead server's claim can no longer store its answer over the retry's.
    await service.complete(database, tenant, "busy-1", held, status=500, headers=[], body=b"{}",
                           api_version="2025-01-01")
    replayed = await _post(merchant, body, "busy-1")
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.content == retried.content


async def test_a_key_is_free_again_after_24_hours(merchant: Merchant, database: Database,
                                                  frozen_clock: FrozenClock) -> None:
    assert (await _post(merchant, _order(), "day-1")).status_code == 201
    frozen_clock.advance(service.RETENTION + timedelta(seconds=1))
    fresh = await _post(merchant, _order(), "day-1")
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
    assert await _order_count(database, merchant) == 2


async def test_without_a_key_or_a_valid_api_key_nothing_changes(merchant: Merchant, app_client: httpx.AsyncClient,
                                                                database: Database) -> None:
    body = _order()
    assert (await merchant.post("/orders", json=body)).status_code == 201
    unauthenticated = await app_client.post("/orders", json=body, headers={"Idempotency-Key": "anon-1"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == "UNAUTHORIZED"
    async with database.transaction() as connection:
        count = (await connection.execute(select(func.count()).select_from(idempotency_keys)
                                          .where(idempotency_keys.c.key == "anon-1"))).scalar_one()
    assert count == 0


async def test_the_sweep_deletes_expired_keys_only(merchant: Merchant, runtime: Runtime,
                                                   frozen_clock: FrozenClock) -> None:
    assert (await _post(merchant, _order(), "old-1")).status_code == 201
    frozen_clock.advance(service.RETENTION + timedelta(seconds=1))
    assert (await _post(merchant, _order(), "new-1")).status_code == 201
    while await purge_expired_keys(runtime, batch_size=100):
        pass
    async with runtime.database.transaction() as connection:
        kept = (await connection.execute(select(idempotency_keys.c.key)
                                         .where(idempotency_keys.c.organization_id == merchant.id))).scalars().all()
    assert kept == ["new-1"]


async def test_openapi_documents_the_header_on_every_post(app_client: httpx.AsyncClient) -> None:
    document = (await app_client.get("/openapi.json")).json()
    posts = [path_item["post"] for path_item in document["paths"].values() if "post" in path_item]
    assert posts
    for operation in posts:
        headers = [p for p in operation["parameters"] if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        assert len(headers) == 1
        assert headers[0]["schema"]["maxLength"] == service.MAX_KEY_LENGTH
        assert "409" in operation["responses"]
    for path_item in document["paths"].values():
        for method in ("get", "patch", "delete"):
            names = [p["name"] for p in path_item.get(method, {}).get("parameters", [])]
            assert "Idempotency-Key" not in names


async def test_an_answer_other_than_a_400_is_kept_headers_included(merchant: Merchant) -> None:
    body = {"orderId": "ord_missing", "customerId": "cus_missing"}
    first = await merchant.post("/payment-groups", json=body, headers={"Idempotency-Key": "missing-1"})
    again = await merchant.post("/payment-groups", json=body, headers={"Idempotency-Key": "missing-1"})
    assert first.status_code == 404, first.text
    assert again.status_code == 404
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["content-length"] == str(len(first.content))


async def test_a_path_beyond_latin_1_and_a_key_with_a_control_character(merchant: Merchant) -> None:
    odd_path = await merchant.post("/payment-groups/\u20ac/x", json={}, headers={"Idempotency-Key": "euro-1"})
    assert odd_path.status_code == 404
    control = await _post(merchant, _order(), "tab\there")
    assert control.status_code == 400
    assert control.json()["error"]["code"] == "INVALID_IDEMPOTENCY_KEY"
