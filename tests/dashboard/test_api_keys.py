"""API keys on the Developers page: the owner lists, creates, rolls and revokes them through the same service
as `/api-keys`; the API then accepts or refuses them. Admins and viewers neither see nor post these actions."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from kohort.db import Database
from kohort.user.domain import Role
from tests.factories.dashboard import Dashboard, signed_in
from tests.factories.merchant import Merchant

_NEW_KEY = re.compile(r'<code id="new-key" class="secret">([^<]+)</code>')


def _new_key(html: str) -> str:
    found = _NEW_KEY.search(html)
    assert found is not None, "the new key is not on the page"
    return found.group(1)


async def _shown_after(dashboard: Dashboard, posted: httpx.Response) -> str:
    """The new key, on the page a create or roll redirects to."""
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"].endswith("/developers")
    return _new_key((await dashboard.get(posted.headers["location"])).text)


async def _status_with(merchant: Merchant, key: str) -> int:
    response = await merchant.client.get("/payment-group-settings", headers={"Authorization": f"Bearer {key}"})
    return response.status_code


async def _key_id(merchant: Merchant, secret: str) -> str:
    """The id of the usable key ending like `secret` (the API lists keys by their last four characters), asked
    with that key itself."""
    response = await merchant.client.get("/api-keys", headers={"Authorization": f"Bearer {secret}"})
    listed = response.json()["data"]
    return str(next(key["id"] for key in listed
                if secret.endswith(key["last4"]) and key["revokedAt"] is None and key["expiresAt"] is None))


async def test_the_owner_creates_a_key_shown_once_that_the_api_accepts_then_revokes_it(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.OWNER)
    created = await dashboard.post("/dashboard/test/developers/keys", {"kind": "secret"})
    secret = await _shown_after(dashboard, created)
    assert secret.startswith("sk_test_")
    assert await _status_with(merchant, secret) == 200
    page = (await dashboard.get("/dashboard/test/developers")).text
    assert secret not in page  # never again
    assert f"…{secret[-4:]}" in page
    key_id = await _key_id(merchant, secret)

    confirm = await dashboard.get(f"/dashboard/test/developers/keys/{key_id}/revoke")
    assert confirm.status_code == 200
    assert secret[-4:] in confirm.text
    assert await _status_with(merchant, secret) == 200  # the confirmation page changes nothing
    revoked = await dashboard.post(f"/dashboard/test/developers/keys/{key_id}/revoke")
    assert revoked.status_code == 303
    assert await _status_with(merchant, secret) == 401
    listed = {key["id"]: key for key in (await merchant.get("/api-keys")).json()["data"]}
    assert listed[key_id]["revokedAt"] is not None


async def test_a_publishable_key_is_created_in_the_mode_of_the_page(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.OWNER)
    created = await dashboard.post("/dashboard/live/developers/keys", {"kind": "publishable"})
    assert (await _shown_after(dashboard, created)).startswith("pk_live_")
    refused = await dashboard.post("/dashboard/live/developers/keys", {"kind": "root"})
    assert refused.status_code == 400
    assert 'role="alert"' in refused.text


@pytest.mark.parametrize("grace", ["0", "3600"])
async def test_rolling_gives_a_new_key_and_the_old_one_stops_after_the_grace(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant, grace: str
) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.OWNER)
    old = merchant.keys["sk_test"]
    old_id = await _key_id(merchant, old)
    rolled = await dashboard.post(f"/dashboard/test/developers/keys/{old_id}/roll", {"grace_period_seconds": grace})
    new = await _shown_after(dashboard, rolled)
    assert await _status_with(merchant, new) == 200
    assert await _status_with(merchant, old) == (401 if grace == "0" else 200)
    again = await dashboard.post(f"/dashboard/test/developers/keys/{old_id}/roll", {"grace_period_seconds": "0"})
    assert again.status_code == 409  # the service's rule: a key rolls once
    too_long = await dashboard.post(f"/dashboard/test/developers/keys/{await _key_id(merchant, new)}/roll",
                                    {"grace_period_seconds": str(8 * 24 * 3600)})
    assert too_long.status_code == 400
    assert await _status_with(merchant, new) == 200


async def test_the_last_secret_key_of_a_mode_is_not_revoked(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.OWNER)
    key_id = await _key_id(merchant, merchant.keys["sk_test"])
    refused = await dashboard.post(f"/dashboard/test/developers/keys/{key_id}/revoke")
    assert refused.status_code == 409
    assert "This is the last secret key of this mode" in refused.text
    assert await _status_with(merchant, merchant.keys["sk_test"]) == 200


@pytest.mark.parametrize("role", [Role.ADMIN, Role.VIEWER])
async def test_only_the_owner_manages_keys(browser: httpx.AsyncClient, database: Database, merchant: Merchant,
                                           role: Role) -> None:
    owner_made = await merchant.post("/api-keys", json={"kind": "secret"})
    spare = owner_made.json()
    dashboard: Dashboard = await signed_in(browser, database, merchant.id, role=role)
    page = (await dashboard.get("/dashboard/test/developers")).text
    assert "developers/keys" not in page
    assert spare["id"] not in page
    for path, data in (("developers/keys", {"kind": "secret"}),
                       (f"developers/keys/{spare['id']}/roll", {"grace_period_seconds": "0"}),
                       (f"developers/keys/{spare['id']}/revoke", {})):
        assert (await dashboard.post(f"/dashboard/test/{path}", data)).status_code == 403
    assert (await dashboard.get(f"/dashboard/test/developers/keys/{spare['id']}/revoke")).status_code == 403
    assert await _status_with(merchant, spare["secret"]) == 200
    assert len((await merchant.get("/api-keys")).json()["data"]) == 3  # the two test keys and the spare


async def test_keys_need_the_csrf_token_and_another_organizations_key_is_not_found(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant, other_merchant: Merchant
) -> None:
    spare = (await merchant.post("/api-keys", json={"kind": "secret"})).json()
    theirs = (await other_merchant.post("/api-keys", json={"kind": "secret"})).json()
    dashboard = await signed_in(browser, database, merchant.id, role=Role.OWNER)
    assert (await dashboard.post(f"/dashboard/test/developers/keys/{spare['id']}/revoke", csrf=False)).status_code == 403
    assert (await dashboard.post("/dashboard/test/developers/keys", {"kind": "secret"}, csrf=False)).status_code == 403
    assert await _status_with(merchant, spare["secret"]) == 200
    assert (await dashboard.get(f"/dashboard/test/developers/keys/{theirs['id']}/revoke")).status_code == 404
    assert (await dashboard.post(f"/dashboard/test/developers/keys/{theirs['id']}/revoke")).status_code == 404
    assert (await dashboard.post(f"/dashboard/test/developers/keys/{theirs['id']}/roll",
                                 {"grace_period_seconds": "0"})).status_code == 404
    assert await _status_with(other_merchant, theirs["secret"]) == 200
    # A live key is not reachable from the test pages either.
    live = (await merchant.post("/api-keys", key="sk_live", json={"kind": "secret"})).json()
    assert (await dashboard.post(f"/dashboard/test/developers/keys/{live['id']}/revoke")).status_code == 404


async def test_a_refresh_of_the_new_key_page_creates_nothing_and_shows_the_key_no_more(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.OWNER)
    keys_before = (await merchant.get("/api-keys")).json()["count"]
    created = await dashboard.post("/dashboard/test/developers/keys", {"kind": "secret"})
    assert created.status_code == 303
    assert _NEW_KEY.search(created.text) is None  # the answer to the POST carries no key
    shown = await dashboard.get(created.headers["location"])
    secret = _new_key(shown.text)
    assert await _status_with(merchant, secret) == 200

    refreshed = await dashboard.get(created.headers["location"])  # what a refresh of that page sends
    assert refreshed.status_code == 200
    assert _NEW_KEY.search(refreshed.text) is None
    assert secret not in refreshed.text
    assert (await merchant.get("/api-keys")).json()["count"] == keys_before + 1  # one key, however often it is read


async def test_the_new_key_is_shown_to_its_own_session_only(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant, dashboard_app: FastAPI
) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.OWNER)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dashboard_app),
                                 base_url="http://kohort.test") as second_browser:
        other = await signed_in(second_browser, database, merchant.id, role=Role.OWNER)
        created = await dashboard.post("/dashboard/test/developers/keys", {"kind": "secret"})
        assert _NEW_KEY.search((await other.get("/dashboard/test/developers")).text) is None
    assert (await _shown_after(dashboard, created)).startswith("sk_test_")
