"""Payouts and developers in the dashboard: batches, their pain.001, confirm, fail; webhooks and events."""

from __future__ import annotations

import re

import httpx

from kohort.dashboard import views
from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.payout import service as payout_service
from kohort.runtime import Runtime
from kohort.tenant import Tenant
from kohort.user.domain import Role
from tests.factories.dashboard import signed_in
from tests.factories.merchant import Merchant
from tests.factories.withdrawal import settled_group
from tests.withdrawal.test_withdrawal import PAIN_001, withdraw


async def test_an_admin_batches_downloads_confirms_and_fails_payouts(
    browser: httpx.AsyncClient, database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000, 5000])
    first = (await withdraw(merchant, placed[0]["link"])).json()["payout"]
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)
    page = (await dashboard.get("/dashboard/test/payouts")).text
    assert "€3.00" in page[page.index('id="pending-total"'):]

    created = await dashboard.post("/dashboard/test/payouts/batches")
    assert created.status_code == 303
    batch = (await merchant.get("/payout-batches")).json()["data"][0]
    assert [payout["id"] for payout in batch["payouts"]] == [first["id"]]
    download = await dashboard.get(f"/dashboard/test/payouts/batches/{batch['id']}/pain.001.xml")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == f'attachment; filename="{batch["id"]}.xml"'
    PAIN_001.validate(download.text)
    assert "kohort-document" not in download.headers
    assert (await dashboard.post("/dashboard/test/payouts/batches")).status_code == 409  # nothing left to pay

    assert (await dashboard.post(f"/dashboard/test/payouts/batches/{batch['id']}/confirm")).status_code == 303
    masked = await dashboard.get(f"/dashboard/test/payouts/batches/{batch['id']}/pain.001.xml")
    assert masked.headers["kohort-document"] == "masked-after-confirmation"
    assert "FR1420041010050500013M02606" not in masked.text
    assert (await merchant.get(f"/payouts/{first['id']}")).json()["status"] == "PAID"
    assert (await merchant.get(f"/orders/{first['orderId']}")).json()["status"] == "CASHBACK_SENT"

    second = (await withdraw(merchant, placed[1]["link"])).json()["payout"]
    failed = await dashboard.post(f"/dashboard/test/payouts/{second['id']}/fail", {"reason": "Account closed"})
    assert failed.status_code == 303
    payout = (await merchant.get(f"/payouts/{second['id']}")).json()
    assert (payout["status"], payout["failureReason"]) == ("FAILED", "Account closed")


async def test_a_viewer_downloads_but_neither_batches_nor_confirms(
    browser: httpx.AsyncClient, database: Database, runtime: Runtime, merchant: Merchant, other_merchant: Merchant,
    outbox: MemorySender,
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    await withdraw(merchant, placed[0]["link"])
    batch = (await merchant.post("/payout-batches")).json()
    dashboard = await signed_in(browser, database, merchant.id, role=Role.VIEWER)
    page = (await dashboard.get("/dashboard/test/payouts")).text
    assert "/confirm" not in page
    assert (await dashboard.get(f"/dashboard/test/payouts/batches/{batch['id']}/pain.001.xml")).status_code == 200
    assert (await dashboard.post(f"/dashboard/test/payouts/batches/{batch['id']}/confirm")).status_code == 403
    assert (await merchant.get(f"/payout-batches/{batch['id']}")).json()["status"] == "EXPORTED"
    stranger = await signed_in(browser, database, other_merchant.id, role=Role.OWNER)
    assert (await stranger.get(f"/dashboard/test/payouts/batches/{batch['id']}/pain.001.xml")).status_code == 404
    assert (await stranger.post(f"/dashboard/test/payouts/batches/{batch['id']}/confirm")).status_code == 404


async def test_payout_account_is_validated_like_the_api(browser: httpx.AsyncClient, database: Database,
                                                        merchant: Merchant) -> None:
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)
    bad = await dashboard.post("/dashboard/test/payouts/settings", {"debtor_name": "Maison", "iban": "FR00 1234"})
    assert bad.status_code == 400
    good = await dashboard.post("/dashboard/test/payouts/settings", {"debtor_name": "Maison Lune SAS",
                                                                     "iban": "DE89370400440532013000",
                                                                     "bic": "COBADEFFXXX"})
    assert good.status_code == 303
    assert (await merchant.get("/payout-settings")).json()["debtorName"] == "Maison Lune SAS"


async def test_developers_see_the_version_add_a_webhook_and_resend_an_event(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    await merchant.order(amount=3000)
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)
    page = (await dashboard.get("/dashboard/test/developers")).text
    assert merchant.api_version in page
    assert "order.created" in page
    created = await dashboard.post("/dashboard/test/developers/webhooks", {"url": "http://localhost:9/hook"})
    assert created.status_code == 303
    shown = (await dashboard.get(created.headers["location"])).text
    assert re.search(r"whsec_[A-Za-z0-9+/]{32,}={0,2}", shown)  # base64: may start with + or /
    assert "Your new API key" not in shown
    # The secret is shown on that one page: a refresh neither shows it again nor creates another endpoint.
    assert "whsec_" not in (await dashboard.get(created.headers["location"])).text
    endpoints = (await merchant.get("/webhook-endpoints")).json()["data"]
    assert [endpoint["url"] for endpoint in endpoints] == ["http://localhost:9/hook"]
    event_id = (await merchant.get("/events")).json()["data"][0]["id"]
    assert (await dashboard.post(f"/dashboard/test/developers/events/{event_id}/resend")).status_code == 303
    deliveries = (await merchant.get(f"/webhook-endpoints/{endpoints[0]['id']}/deliveries")).json()["data"]
    assert [delivery["eventId"] for delivery in deliveries] == [event_id]
    refused = await dashboard.post("/dashboard/test/developers/webhooks", {"url": "ftp://nowhere"})
    assert refused.status_code == 400


async def test_the_pending_total_counts_every_pending_payout_and_the_list_pages(
    browser: httpx.AsyncClient, database: Database, runtime: Runtime, merchant: Merchant
) -> None:
    account = {"debtorName": "Maison Lune SAS", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}
    assert (await merchant.patch("/payout-settings", json=account)).status_code == 200
    order = await merchant.order(amount=3000)
    tenant = Tenant(merchant.id, False)
    count = 130  # more than a page of the list, and more than the hundred the total once summed
    async with database.transaction() as connection:
        for amount in range(1, count + 1):
            await payout_service.create_payout(connection, tenant, runtime.cipher, order_id=order["id"],
                                               amount=amount, iban="FR1420041010050500013M02606",
                                               holder_name="Camille Durand")
    dashboard = await signed_in(browser, database, merchant.id, role=Role.VIEWER)
    page = (await dashboard.get("/dashboard/test/payouts")).text
    total = page[page.index('id="pending-total"'):]
    assert "€85.15" in total[:100]  # 1 + 2 + … + 130 cents
    assert "130 payouts" in total[:300]
    assert page.count("FR14") == views.PAGE_SIZE
    assert "page 1 of 6" in page
    last = (await dashboard.get("/dashboard/test/payouts?page=6")).text
    assert last.count("FR14") == count - 5 * views.PAGE_SIZE
    assert "€0.01" in last  # the oldest, last
    # A viewer reads the account form but cannot save it.
    assert "Save the account" not in page
    refused = await dashboard.post("/dashboard/test/payouts/settings", {"debtor_name": "Someone else",
                                                                        "iban": "DE89370400440532013000"})
    assert refused.status_code == 403
    assert (await merchant.get("/payout-settings")).json()["debtorName"] == "Maison Lune SAS"
