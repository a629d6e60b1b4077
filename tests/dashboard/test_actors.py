"""Who did it: API keys created, rolled and revoked, and brand settings saved, record their actor — the
signed-in user from the dashboard, the calling key from the API — as orders and customers do."""

from __future__ import annotations

import re

import httpx

from kohort.db import Database
from kohort.user.domain import Role
from tests.factories.dashboard import signed_in
from tests.factories.merchant import Merchant

_NEW_KEY = re.compile(r'<code id="new-key" class="secret">([^<]+)</code>')


def _new_key(html: str) -> str:
    found = _NEW_KEY.search(html)
    assert found is not None, "the new key is not on the page"
    return found.group(1)


async def _listed_keys(merchant: Merchant) -> list[dict[str, object]]:
    response = await merchant.get("/api-keys")
    assert response.status_code == 200
    return list(response.json()["data"])


def _usable_key_ending(keys: list[dict[str, object]], secret: str) -> dict[str, object]:
    return next(key for key in keys
                if secret.endswith(str(key["last4"])) and key["revokedAt"] is None and key["expiresAt"] is None)


async def _own_key_id(merchant: Merchant) -> str:
    """The id of the merchant's `sk_test` key, the one `merchant.get` calls with."""
    return str(_usable_key_ending(await _listed_keys(merchant), merchant.keys["sk_test"])["id"])


async def test_dashboard_key_actions_record_the_user(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.OWNER)
    created = await dashboard.post("/dashboard/test/developers/keys", {"kind": "secret"})
    secret = _new_key((await dashboard.get(created.headers["location"])).text)
    key = _usable_key_ending(await _listed_keys(merchant), secret)
    assert (key["createdBy"], key["revokedBy"]) == (dashboard.user.id, None)

    rolled = await dashboard.post(f"/dashboard/test/developers/keys/{key['id']}/roll", {"grace_period_seconds": "0"})
    replacement = _usable_key_ending(await _listed_keys(merchant), _new_key((await dashboard.get(rolled.headers["location"])).text))
    assert replacement["id"] != key["id"]
    assert replacement["createdBy"] == dashboard.user.id

    revoked = await dashboard.post(f"/dashboard/test/developers/keys/{replacement['id']}/revoke")
    assert revoked.status_code == 303
    listed = {item["id"]: item for item in await _listed_keys(merchant)}
    assert listed[replacement["id"]]["revokedBy"] == dashboard.user.id
    assert listed[replacement["id"]]["revokedAt"] is not None
    assert listed[key["id"]]["revokedBy"] is None  # rolled, not revoked


async def test_api_key_actions_record_the_calling_key(merchant: Merchant) -> None:
    caller = await _own_key_id(merchant)
    created = await merchant.post("/api-keys", {"kind": "publishable"})
    assert created.status_code == 201
    assert (created.json()["createdBy"], created.json()["revokedBy"]) == (caller, None)

    rolled = await merchant.post(f"/api-keys/{created.json()['id']}/roll", {})
    assert rolled.status_code == 201
    assert rolled.json()["createdBy"] == caller

    revoked = await merchant.post(f"/api-keys/{rolled.json()['id']}/revoke", {})
    assert revoked.status_code == 200
    assert revoked.json()["revokedBy"] == caller
    # The organization's first keys were issued with it, by no one.
    first = next(key for key in await _listed_keys(merchant) if key["id"] == caller)
    assert first["createdBy"] is None


async def test_brand_settings_record_who_saved_them_last(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    assert (await merchant.get("/brand-settings")).json()["updatedBy"] is None  # never saved
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)
    saved = await dashboard.post("/dashboard/test/settings/brand", {"display_name": "Maison Aurore"})
    assert saved.status_code == 303
    assert (await merchant.get("/brand-settings")).json()["updatedBy"] == dashboard.user.id

    patched = await merchant.patch("/brand-settings", {"color": "#00aa55"})
    assert patched.status_code == 200
    assert patched.json()["updatedBy"] == await _own_key_id(merchant)
    # The other mode's settings are their own, and unsaved.
    assert (await merchant.get("/brand-settings", key="sk_live")).json()["updatedBy"] is None
