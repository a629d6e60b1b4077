"""Brand settings in the dashboard: the shopper's group page previewed with values not saved yet, and saved
by admins through the same rules as `PATCH /brand-settings`."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx

from kohort.db import Database
from kohort.user.domain import Role
from tests.factories.dashboard import signed_in
from tests.factories.merchant import Merchant

PREVIEW = "/dashboard/test/settings/brand/preview"


async def test_the_preview_dresses_the_newest_group_with_unsaved_values(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.VIEWER)  # previewing changes nothing
    settings = (await dashboard.get("/dashboard/test/settings")).text
    assert 'id="brand-preview"' in settings
    assert "save-brand" not in settings

    empty = await dashboard.get(PREVIEW)
    assert empty.status_code == 200
    assert "KHT-PREVIEW" in empty.text  # no group yet: a new one as the settings would open it

    owner = await merchant.order(amount=3000)
    query = urlencode({"display_name": "Maison Aurore", "color": "#00aa55",
                       "logo_url": "https://cdn.aurore.example/logo.png", "website_url": ""})
    preview = await dashboard.get(f"{PREVIEW}?{query}")
    assert preview.status_code == 200
    assert owner["paymentGroupShareId"] in preview.text
    assert "Maison Aurore" in preview.text
    assert "--brand: #00AA55" in preview.text
    assert 'src="https://cdn.aurore.example/logo.png"' in preview.text
    assert preview.headers["x-frame-options"] == "SAMEORIGIN"  # the settings page frames it, nobody else
    assert "frame-ancestors 'self'" in preview.headers["content-security-policy"]
    saved = (await merchant.get("/brand-settings")).json()
    assert (saved["displayName"], saved["color"], saved["logoUrl"]) == ("Test shop", None, None)

    refused = await dashboard.get(f"{PREVIEW}?{urlencode({'logo_url': 'http://plain.example/logo.png'})}")
    assert refused.status_code == 400
    assert "https" in refused.text
    assert refused.headers["x-frame-options"] == "SAMEORIGIN"

    assert (await dashboard.post("/dashboard/test/settings/brand", {"display_name": "Not allowed"})).status_code == 403
    assert (await merchant.get("/brand-settings")).json()["displayName"] == "Test shop"


async def test_an_admin_saves_the_brand_with_the_apis_rules(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)
    form = {"display_name": "Maison Aurore", "color": "#00aa55", "logo_url": "https://cdn.aurore.example/logo.png",
            "website_url": "https://aurore.example", "contact_email": "tech@aurore.example"}
    assert (await dashboard.post("/dashboard/test/settings/brand", form, csrf=False)).status_code == 403
    saved = await dashboard.post("/dashboard/test/settings/brand", form)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/dashboard/test/settings?saved=brand"
    brand = (await merchant.get("/brand-settings")).json()
    assert (brand["displayName"], brand["color"], brand["logoUrl"], brand["websiteUrl"], brand["contactEmail"]) == (
        "Maison Aurore", "00AA55", "https://cdn.aurore.example/logo.png", "https://aurore.example",
        "tech@aurore.example")
    page = (await dashboard.get("/dashboard/test/settings?saved=brand")).text
    assert 'value="Maison Aurore"' in page
    assert "display_name=Maison+Aurore" in page  # the frame starts from the saved values

    refused = await dashboard.post("/dashboard/test/settings/brand", {**form, "website_url": "http://aurore.example"})
    assert refused.status_code == 400
    assert "websiteUrl" in refused.text
    assert 'value="http://aurore.example"' in refused.text  # shown again as typed
    assert (await merchant.get("/brand-settings")).json()["websiteUrl"] == "https://aurore.example"

    # Blank fields go back to the defaults, as the API's blank values do.
    cleared = await dashboard.post("/dashboard/test/settings/brand", {"display_name": "", "color": "", "logo_url": "",
                                                                     "website_url": "", "contact_email": ""})
    assert cleared.status_code == 303
    brand = (await merchant.get("/brand-settings")).json()
    assert (brand["displayName"], brand["color"], brand["logoUrl"]) == ("Test shop", None, None)
    # The live mode's brand is its own.
    assert (await merchant.get("/brand-settings", key="sk_live")).json()["color"] is None
