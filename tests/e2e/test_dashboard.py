"""The merchant's dashboard end to end: a real `kohort serve` (embedded SQLite and job runner, emails printed
to its log) and Debian's Chromium through Playwright.

An admin logs in, switches to test mode, finds an order by email, opens its group, ends it, edits the
ladder and watches the cost preview change, renames and recolours the brand and watches the shopper's page
change in its preview frame before saving, then (once the shopper has asked for the cashback) creates a
payout batch and downloads its pain.001 file. The owner creates an API key and revokes it; the API then
refuses it. A viewer sees no action, and the server refuses the POST
anyway; a request without the CSRF token and another organization's order are refused. Every page is
photographed at phone and laptop widths into test-artifacts/.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import sepaxml
import xmlschema
from playwright.async_api import Browser, Page, async_playwright

from tests.factories.server import KOHORT, ROOT, create_organization, running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
PAIN_001 = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
PASSWORD = "a long dashboard passphrase"
WIDTHS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 900}}
LOG_POLLS = 300  # × 0.1 s: the embedded runner prints the email within a poll interval; this only bounds a hang

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/services installs it)")


def _user(env: dict[str, str], organization_id: str, email: str, role: str, locale: str) -> None:
    subprocess.run([str(KOHORT), "users", "create", "--org", organization_id, "--email", email, "--role", role,
                    "--locale", locale, "--password-stdin"], input=PASSWORD + "\n", cwd=ROOT,
                   env={**os.environ, **env}, capture_output=True, check=True, text=True)


async def _withdrawal_link(log_path: Path, order_id: str) -> tuple[str, str]:
    """The order's withdrawal token, from the email the console backend printed (test mode: unmasked)."""
    for _ in range(LOG_POLLS):
        found = re.search(rf"/w/{order_id}\?token=(\w+)", log_path.read_text(errors="replace"))
        if found:
            return order_id, found.group(1)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no withdrawal link for {order_id} in {log_path}")


async def _log_in(browser: Browser, base_url: str, email: str, **context: Any) -> Page:
    page = await (await browser.new_context(**context)).new_page()
    await page.goto(f"{base_url}/dashboard/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/dashboard/live/$"))
    return page


async def test_a_merchant_runs_the_programme_from_the_dashboard(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    env = {"KOHORT_DATABASE_URL": f"sqlite:///{tmp_path / 'kohort.db'}", "KOHORT_WORKER_POLL_INTERVAL": "0.1",
           "KOHORT_ENCRYPTION_KEY": os.environ["KOHORT_ENCRYPTION_KEY"]}
    organization = create_organization(env, "Maison Lune")
    other = create_organization(env, "Autre Boutique")
    keys: dict[str, str] = organization["keys"]  # type: ignore[assignment]
    _user(env, str(organization["id"]), "admin@maison-lune.example", "admin", "en_US")
    _user(env, str(organization["id"]), "viewer@maison-lune.example", "viewer", "fr_FR")
    _user(env, str(organization["id"]), "owner@maison-lune.example", "owner", "en_US")
    log_path = tmp_path / "server.log"
    async with running_server(env, log_path=log_path) as base_url:
        api = httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {keys['sk_test']}"}, timeout=30)
        for path, body in (
            # No holding period: this journey goes on to withdraw the cashback the same day.
            ("/payment-group-settings", {"discountLevels": [{"participantsToUnlock": 2, "value": 10},
                                                            {"participantsToUnlock": 3, "value": 15}],
                                         "cashbackHoldDays": 0}),
            ("/payout-settings", {"debtorName": "Maison Lune SAS", "iban": "DE89370400440532013000",
                                  "bic": "COBADEFFXXX"}),
        ):
            assert (await api.patch(path, json=body)).status_code == 200
        owner = (await api.post("/orders", json={"amount": 3000, "customerEmail": "camille@example.com",
                                                 "customerFirstName": "Camille", "customerLastName": "Durand"})).json()
        await api.post("/orders", json={"amount": 8000, "customerEmail": "lea@example.com", "customerFirstName": "Léa",
                                        "customerLastName": "Martin", "paymentGroupShareId": owner["paymentGroupShareId"]})
        other_keys: dict[str, str] = other["keys"]  # type: ignore[assignment]
        theirs = (await api.post("/orders", headers={"Authorization": f"Bearer {other_keys['sk_test']}"},
                                 json={"amount": 4000, "customerEmail": "them@example.com",
                                       "customerFirstName": "Tom", "customerLastName": "Hem"})).json()

        playwright = await async_playwright().start()
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await _log_in(browser, base_url, "admin@maison-lune.example", viewport=WIDTHS["laptop"],
                                 accept_downloads=True)
            assert await page.locator(".test-banner").count() == 0
            await page.click("#mode-switch")
            await page.wait_for_url(re.compile(r".*/dashboard/test/$"))
            assert "Test mode" in await page.inner_text(".test-banner")
            assert await page.inner_text("#figure-orders .value") == "2"

            await page.click("nav.side >> text=Orders")
            await page.fill("input[name=q]", "camille@example.com")
            await page.click("form.filters button[type=submit]")
            await page.wait_for_url(re.compile(r".*q=camille.*"))
            assert await page.locator("#orders tbody tr").count() == 1
            await page.click("#orders tbody tr td a")
            assert "€30.00" in await page.inner_text("h1")
            await page.click("#order-group")
            await page.wait_for_url(re.compile(r".*/groups/pg_.*"))
            assert "€80.00" in await page.inner_text("body")
            assert "Level 1" in await page.inner_text("ul.ladder li.current")
            await page.click("text=End now and settle")
            await page.wait_for_selector("h1 >> text=Completed")

            await page.click("nav.side >> text=Settings")
            before = await page.inner_text('[data-level-cost="1"]')
            await page.fill("input[name=level1_value]", "12")
            await page.wait_for_function(
                f"document.querySelector('[data-level-cost=\"1\"]').textContent !== {before!r}")
            assert await page.inner_text('[data-level-cost="1"]') != before
            await page.click("#save-ladder")
            await page.wait_for_selector(".notice")
            settings = (await api.get("/payment-group-settings")).json()
            assert settings["discountLevels"][0]["value"] == 12

            # The brand: the shopper's page, in its frame, changes as the fields do, before anything is saved.
            await page.fill("#brand-form input[name=display_name]", "Lune Nouvelle")
            await page.fill("#brand-form input[name=color]", "#00aa55")
            preview = page.frame_locator("#brand-preview")
            await preview.locator(".shop", has_text="Lune Nouvelle").wait_for()
            frame = page.frame(name="brand-preview")
            assert frame is not None
            await frame.wait_for_function(
                "getComputedStyle(document.documentElement).getPropertyValue('--brand').trim() === '#00AA55'")
            assert (await api.get("/brand-settings")).json()["displayName"] == "Maison Lune"  # not saved yet
            await page.click("#save-brand")
            await page.wait_for_selector(".notice")
            brand = (await api.get("/brand-settings")).json()
            assert (brand["displayName"], brand["color"]) == ("Lune Nouvelle", "00AA55")

            order_id, token = await _withdrawal_link(log_path, owner["id"])
            withdrawn = await api.post("/withdrawals", json={"orderId": order_id, "token": token,
                                                             "iban": "FR1420041010050500013M02606",
                                                             "holderName": "Camille Durand"})
            assert withdrawn.status_code in (200, 201), withdrawn.text
            await page.click("nav.side >> text=Payouts")
            assert "€3.00" in await page.inner_text("#pending-total")
            await page.click("text=Create a batch (SEPA file)")
            await page.wait_for_selector("#batches >> text=Exported")
            async with page.expect_download() as download_info:
                await page.click("text=Download pain.001")
            download = await download_info.value
            document = Path(await download.path()).read_text(encoding="utf-8")
            xmlschema.XMLSchema(str(PAIN_001)).validate(document)
            assert '<InstdAmt Ccy="EUR">3.00</InstdAmt>' in document

            # Not without the form's token, and not another organization's objects.
            no_csrf = await page.request.post(f"{base_url}/dashboard/test/customers/{owner['customerId']}/block",
                                              form={"csrf_token": "forged"})
            assert no_csrf.status == 403
            elsewhere = await page.goto(f"{base_url}/dashboard/test/orders/{theirs['id']}")
            assert elsewhere is not None
            assert elsewhere.status == 404

            viewer = await _log_in(browser, base_url, "viewer@maison-lune.example", viewport=WIDTHS["laptop"])
            await viewer.goto(f"{base_url}/dashboard/test/customers/{owner['customerId']}")
            assert await viewer.locator("form[action$='/block']").count() == 0
            await viewer.goto(f"{base_url}/dashboard/test/settings")
            assert await viewer.locator("#save-ladder").count() == 0
            token_field = await viewer.locator("input[name=csrf_token]").first.input_value()
            refused = await viewer.request.post(f"{base_url}/dashboard/test/customers/{owner['customerId']}/block",
                                                form={"csrf_token": token_field})
            assert refused.status == 403
            customer = (await api.get(f"/customers/{owner['customerId']}")).json()
            assert customer["isBlocked"] is False

            await page.goto(f"{base_url}/dashboard/test/developers")
            assert await page.locator("#create-key").count() == 0  # keys are the owner's
            await _create_and_revoke_a_key(browser, base_url, api)

            await _screenshots(browser, base_url, page, owner)
        finally:
            await browser.close()
            await playwright.stop()
            await api.aclose()


async def _create_and_revoke_a_key(browser: Browser, base_url: str, api: httpx.AsyncClient) -> None:
    """The owner creates a key (shown once), the API takes it; once revoked, the API refuses it."""
    page = await _log_in(browser, base_url, "owner@maison-lune.example", viewport=WIDTHS["laptop"])
    await page.goto(f"{base_url}/dashboard/test/developers")
    await page.select_option("#create-key select[name=kind]", "secret")
    await page.click("#create-key button[type=submit]")
    new_key = (await page.inner_text("#new-key")).strip()
    assert new_key.startswith("sk_test_")
    with_new_key = {"Authorization": f"Bearer {new_key}"}
    assert (await api.get("/payment-group-settings", headers=with_new_key)).status_code == 200
    await page.goto(f"{base_url}/dashboard/test/developers")
    assert new_key not in await page.content()  # shown once, never again
    row = page.locator("#api-keys tbody tr", has_text=f"…{new_key[-4:]}")
    for name, viewport in WIDTHS.items():
        await page.set_viewport_size(viewport)
        await page.screenshot(path=str(ARTIFACTS / f"dashboard-developers-{name}.png"), full_page=True)
    await row.locator("a.revoke").click()
    await page.wait_for_url(re.compile(r".*/revoke$"))
    await page.screenshot(path=str(ARTIFACTS / "dashboard-revoke-key-laptop.png"), full_page=True)
    await page.click("#confirm-revoke")
    await page.wait_for_selector(".notice")
    assert (await api.get("/payment-group-settings", headers=with_new_key)).status_code == 401
    await page.context.close()


async def _screenshots(browser: Browser, base_url: str, signed_in: Page, owner: dict[str, Any]) -> None:
    """Every page at both widths, with the admin's session (a person looks at them)."""
    cookies = await signed_in.context.cookies()
    paths = {"home": "", "orders": "orders", "order": f"orders/{owner['id']}", "groups": "groups",
             "group": f"groups/{owner['paymentGroupId']}", "customers": "customers",
             "customer": f"customers/{owner['customerId']}", "settings": "settings", "payouts": "payouts"}
    for width_name, viewport in WIDTHS.items():
        context = await browser.new_context(viewport=viewport)
        await context.add_cookies(cookies)
        page = await context.new_page()
        for name, path in paths.items():
            response = await page.goto(f"{base_url}/dashboard/test/{path}")
            assert response is not None
            assert response.status == 200, name
            await page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}-{width_name}.png"), full_page=True)
        await page.goto(f"{base_url}/dashboard/login")
        await page.screenshot(path=str(ARTIFACTS / f"dashboard-login-{width_name}.png"), full_page=True)
        await context.close()
