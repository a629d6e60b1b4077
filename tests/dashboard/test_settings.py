"""The ladder editor: the API's validation, its cost preview, and only admins save."""

from __future__ import annotations

import re

import httpx

from kohort.db import Database
from kohort.user.domain import Role
from tests.factories.dashboard import signed_in
from tests.factories.merchant import Merchant

LADDER = {"discount_type": "PERCENTAGE", "level1_participants": "2", "level1_value": "10",
          "level2_participants": "4", "level2_value": "20", "max_participants": "12", "minutes_duration": "1440",
          "min_purchase": "25,50"}


def level_costs(html: str) -> list[str]:
    return re.findall(r'data-level-cost="\d">([^<]+)<', html)


async def test_an_admin_saves_a_ladder_the_api_then_serves(browser: httpx.AsyncClient, database: Database,
                                                           merchant: Merchant) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)
    response = await dashboard.post("/dashboard/test/settings/ladder", LADDER)
    assert response.status_code == 303
    settings = (await merchant.get("/payment-group-settings")).json()
    assert [(level["participantsToUnlock"], level["value"]) for level in settings["discountLevels"]] == [(2, 10), (4, 20)]
    assert (settings["maxParticipants"], settings["minutesDuration"], settings["minPurchaseValue"]) == (12, 1440, 2550)
    live = (await merchant.get("/payment-group-settings", key="sk_live")).json()
    assert live["maxParticipants"] != 12  # the test mode's settings only


async def test_the_editor_refuses_what_the_api_refuses(browser: httpx.AsyncClient, database: Database,
                                                       merchant: Merchant) -> None:
    before = (await merchant.get("/payment-group-settings")).json()
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)
    api = await merchant.patch("/payment-group-settings", json={"discountLevels": [{"participantsToUnlock": 3,
                                                                                    "value": 10}]})
    assert api.status_code == 400
    page = await dashboard.post("/dashboard/test/settings/ladder", {**LADDER, "level1_participants": "3"})
    assert page.status_code == 400
    assert api.json()["error"]["message"] in page.text
    for bad in ({"max_participants": "1"}, {"level2_value": "5"}, {"min_purchase": "lots"},
                {"level1_value": "101", "level2_value": "102"}, {"minutes_duration": "x"}):
        assert (await dashboard.post("/dashboard/test/settings/ladder", {**LADDER, **bad})).status_code == 400, bad
    assert (await merchant.get("/payment-group-settings")).json() == before


async def test_the_preview_follows_the_ladder_being_edited(browser: httpx.AsyncClient, database: Database,
                                                           merchant: Merchant) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.VIEWER)
    page = (await dashboard.get("/dashboard/test/settings")).text
    assert "typical distribution" in page
    assert 'id="save-ladder"' not in page  # a viewer reads
    low = await dashboard.client.post("/dashboard/test/settings/preview", data=LADDER,
                                      headers={"X-CSRF-Token": dashboard.csrf, "HX-Request": "true"})
    high = await dashboard.client.post("/dashboard/test/settings/preview", data={**LADDER, "level1_value": "15"},
                                       headers={"X-CSRF-Token": dashboard.csrf, "HX-Request": "true"})
    # Level 1 is reached by groups of 2 and 3: 2 orders × 10 % over 1 joiner is 20 % of referred revenue
    # for pairs, 3 × 10 % over 2 is 15 % for trios; weighted 55:25 → (55×2×10 + 25×3×10) / (55×1 + 25×2).
    assert level_costs(low.text)[0] == "17.6%"
    assert level_costs(high.text)[0] == "26.4%"
    assert "12%" in low.text  # the fee: 10 % plus VAT
    broken = await dashboard.client.post("/dashboard/test/settings/preview", data={**LADDER, "level1_participants": "3"},
                                         headers={"X-CSRF-Token": dashboard.csrf})
    assert "first discount level" in broken.text
    assert (await dashboard.client.post("/dashboard/test/settings/preview", data=LADDER)).status_code == 403
    assert (await dashboard.post("/dashboard/test/settings/ladder", LADDER)).status_code == 403
