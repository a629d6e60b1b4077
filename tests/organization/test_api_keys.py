"""`/api-keys`: list, create, roll (with a grace period), revoke; secret keys only; tenancy; and that a
key's last use is recorded coarsely."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from kohort.db import Database
from kohort.kit.clock import FrozenClock
from kohort.models import api_keys
from tests.factories.merchant import Merchant

SECRET_FIELDS = {"id", "kind", "livemode", "last4", "createdAt", "lastUsedAt", "expiresAt", "revokedAt", "createdBy", "revokedBy"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def works(client: httpx.AsyncClient, key: str) -> bool:
    """Whether the key authenticates (a publishable key is then refused this endpoint with a 403)."""
    response = await client.get("/payment-group-settings", headers=bearer(key))
    assert response.status_code in (200, 401, 403), response.text
    return response.status_code != 401


async def test_list_shows_the_modes_keys_without_secrets(merchant: Merchant) -> None:
    response = await merchant.get("/api-keys")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 2
    assert {item["kind"] for item in body["data"]} == {"secret", "publishable"}
    assert all(set(item) == SECRET_FIELDS for item in body["data"])
    assert all(item["livemode"] is False for item in body["data"])
    last4 = {item["kind"]: item["last4"] for item in body["data"]}
    assert last4 == {"secret": merchant.keys["sk_test"][-4:], "publishable": merchant.keys["pk_test"][-4:]}
    for key in merchant.keys.values():
        assert key not in response.text
        assert key[8:] not in response.text
    live = (await merchant.get("/api-keys", key="sk_live")).json()
    assert live["count"] == 2
    assert all(item["livemode"] is True for item in live["data"])


async def test_create_shows_the_secret_once_and_it_works(merchant: Merchant) -> None:
    created = await merchant.post("/api-keys", json={"kind": "secret"})
    assert created.status_code == 201, created.text
    key = created.json()
    assert set(key) == SECRET_FIELDS | {"secret"}
    assert key["secret"].startswith("sk_test_")
    assert key["last4"] == key["secret"][-4:]
    assert await works(merchant.client, key["secret"])
    listed = (await merchant.get("/api-keys")).json()
    assert key["id"] in {item["id"] for item in listed["data"]}
    assert key["secret"] not in str(listed)

    publishable = await merchant.post("/api-keys", json={"kind": "publishable"}, key="sk_live")
    assert publishable.status_code == 201, publishable.text
    assert publishable.json()["secret"].startswith("pk_live_")
    assert publishable.json()["livemode"] is True


async def test_an_empty_body_creates_a_secret_key(merchant: Merchant) -> None:
    created = await merchant.post("/api-keys")
    assert created.status_code == 201, created.text
    assert created.json()["kind"] == "secret"


@pytest.mark.parametrize("body", [{"kind": "restricted"}, {"kind": 1}, {"kind": None}])
async def test_create_refuses_an_unknown_kind(merchant: Merchant, body: dict[str, object]) -> None:
    response = await merchant.post("/api-keys", json=body)
    assert response.status_code == 400, response.text
    assert (await merchant.get("/api-keys")).json()["count"] == 2


@pytest.mark.parametrize(("method", "path"), [("GET", "/api-keys"), ("POST", "/api-keys"),
                                              ("POST", "/api-keys/{id}/roll"), ("POST", "/api-keys/{id}/revoke")])
async def test_publishable_keys_cannot_manage_keys(merchant: Merchant, method: str, path: str) -> None:
    key_id = (await merchant.get("/api-keys")).json()["data"][0]["id"]
    response = await merchant.request(method, path.format(id=key_id), key="pk_test")
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "SECRET_KEY_REQUIRED"
    unauthenticated = await merchant.client.request(method, path.format(id=key_id))
    assert unauthenticated.status_code == 401


async def test_other_organizations_and_modes_see_404(merchant: Merchant, other_merchant: Merchant) -> None:
    key_id = (await merchant.get("/api-keys")).json()["data"][0]["id"]
    for client, key in ((other_merchant, "sk_test"), (merchant, "sk_live")):
        for action in ("roll", "revoke"):
            response = await client.post(f"/api-keys/{key_id}/{action}", key=key)
            assert response.status_code == 404, response.text
            assert response.json()["error"]["code"] == "NOT_FOUND"
    assert all(await asyncio.gather(*(works(merchant.client, key) for key in merchant.keys.values())))


async def test_roll_without_grace_ends_the_old_key_now(merchant: Merchant) -> None:
    old_id = await key_id_of(merchant, "sk_test")
    rolled = await merchant.post(f"/api-keys/{old_id}/roll")
    assert rolled.status_code == 201, rolled.text
    new = rolled.json()
    assert new["id"] != old_id
    assert new["kind"] == "secret"
    assert new["secret"].startswith("sk_test_")
    assert not await works(merchant.client, merchant.keys["sk_test"])
    assert await works(merchant.client, new["secret"])
    old = next(item for item in (await merchant.get("/api-keys", headers=bearer(new["secret"]))).json()["data"]
               if item["id"] == old_id)
    assert old["expiresAt"] is not None
    assert old["revokedAt"] is None
    again = await merchant.post(f"/api-keys/{old_id}/roll", headers=bearer(new["secret"]))
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "API_KEY_INACTIVE"


async def test_roll_with_grace_keeps_the_old_key_until_its_end(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    old_id = await key_id_of(merchant, "pk_test")
    rolled = await merchant.post(f"/api-keys/{old_id}/roll", json={"gracePeriodSeconds": 3600})
    assert rolled.status_code == 201, rolled.text
    new_secret = rolled.json()["secret"]
    assert new_secret.startswith("pk_test_")
    validate = "/groups/KHT-test-NOPE2345/validate"
    for key in (merchant.keys["pk_test"], new_secret):
        assert (await merchant.client.post(validate, headers=bearer(key))).status_code == 404
    frozen_clock.advance(timedelta(seconds=3599))
    assert (await merchant.client.post(validate, headers=bearer(merchant.keys["pk_test"]))).status_code == 404
    frozen_clock.advance(timedelta(seconds=1))
    assert (await merchant.client.post(validate, headers=bearer(merchant.keys["pk_test"]))).status_code == 401
    assert (await merchant.client.post(validate, headers=bearer(new_secret))).status_code == 404


async def test_a_key_in_its_grace_period_can_be_revoked_at_once(merchant: Merchant) -> None:
    old_id = await key_id_of(merchant, "sk_test")
    new_secret = (await merchant.post(f"/api-keys/{old_id}/roll", json={"gracePeriodSeconds": 86_400})).json()["secret"]
    assert await works(merchant.client, merchant.keys["sk_test"])
    revoked = await merchant.post(f"/api-keys/{old_id}/revoke", headers=bearer(new_secret))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revokedAt"] is not None
    assert not await works(merchant.client, merchant.keys["sk_test"])


@pytest.mark.parametrize("grace", [-1, 7 * 86_400 + 1, 1.5, "1e400000", "soon", True])
async def test_grace_period_is_bounded(merchant: Merchant, grace: object) -> None:
    old_id = await key_id_of(merchant, "sk_test")
    response = await merchant.post(f"/api-keys/{old_id}/roll", json={"gracePeriodSeconds": grace})
    assert response.status_code == 400, response.text
    assert await works(merchant.client, merchant.keys["sk_test"])
    assert (await merchant.get("/api-keys")).json()["count"] == 2


async def test_the_maximum_grace_is_seven_days(merchant: Merchant) -> None:
    old_id = await key_id_of(merchant, "sk_test")
    response = await merchant.post(f"/api-keys/{old_id}/roll", json={"grace_period_seconds": 7 * 86_400})
    assert response.status_code == 201, response.text


async def test_revoke_refuses_the_key_from_the_next_request(merchant: Merchant) -> None:
    spare = (await merchant.post("/api-keys")).json()
    old_id = await key_id_of(merchant, "sk_test")
    assert await works(merchant.client, merchant.keys["sk_test"])
    revoked = await merchant.post(f"/api-keys/{old_id}/revoke")  # a key may revoke itself
    assert revoked.status_code == 200, revoked.text
    assert set(revoked.json()) == SECRET_FIELDS
    assert not await works(merchant.client, merchant.keys["sk_test"])
    again = await merchant.post(f"/api-keys/{old_id}/revoke", headers=bearer(spare["secret"]))
    assert again.status_code == 200  # already revoked: nothing changes
    assert again.json()["revokedAt"] == revoked.json()["revokedAt"]


async def test_the_last_secret_key_of_a_mode_cannot_be_revoked(merchant: Merchant) -> None:
    only_id = await key_id_of(merchant, "sk_live")
    response = await merchant.post(f"/api-keys/{only_id}/revoke", key="sk_live")
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "LAST_SECRET_KEY"
    assert await works(merchant.client, merchant.keys["sk_live"])
    publishable_id = await key_id_of(merchant, "pk_live")
    assert (await merchant.post(f"/api-keys/{publishable_id}/revoke", key="sk_live")).status_code == 200


@pytest.mark.usefixtures("postgres_only")
async def test_concurrent_revocations_leave_one_secret_key(merchant: Merchant) -> None:
    spare = (await merchant.post("/api-keys")).json()
    ids = [await key_id_of(merchant, "sk_test"), spare["id"]]
    responses = await asyncio.gather(*(
        merchant.post(f"/api-keys/{key_id}/revoke", headers=bearer(secret))
        for key_id, secret in zip(ids, [spare["secret"], merchant.keys["sk_test"]], strict=True)
    ))
    assert sorted(response.status_code for response in responses) == [200, 409]


async def test_unknown_key_ids_are_404(merchant: Merchant) -> None:
    for action in ("roll", "revoke"):
        response = await merchant.post(f"/api-keys/key_{'0' * 20}/{action}")
        assert response.status_code == 404, response.text


async def test_last_use_is_recorded_at_most_once_a_minute(merchant: Merchant, database: Database,
                                                          frozen_clock: FrozenClock) -> None:
    key_id = await key_id_of(merchant, "sk_test")

    async def last_used() -> object:
        async with database.transaction() as connection:
            return (await connection.execute(select(api_keys.c.last_used_at).where(api_keys.c.id == key_id))).scalar()

    first = await last_used()
    assert first == frozen_clock.now()
    frozen_clock.advance(timedelta(seconds=59))
    await merchant.get("/api-keys")
    assert await last_used() == first
    frozen_clock.advance(timedelta(seconds=1))
    await merchant.get("/api-keys")
    assert await last_used() == frozen_clock.now()
    listed = {item["id"]: item for item in (await merchant.get("/api-keys")).json()["data"]}
    assert listed[key_id]["lastUsedAt"] is not None
    assert listed[await key_id_of(merchant, "pk_test")]["lastUsedAt"] is None


async def key_id_of(merchant: Merchant, name: str) -> str:
    """The id of one of the merchant's original keys, found by its last four characters."""
    key = merchant.keys[name]
    listed = (await merchant.get("/api-keys", key="sk_live" if "live" in name else "sk_test")).json()["data"]
    return str(next(item["id"] for item in listed if item["last4"] == key[-4:] and item["expiresAt"] is None))
