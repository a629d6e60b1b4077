"""End to end, as a shopper and a merchant live it: a real `kohort serve` process (embedded SQLite and
job runner), a real SMTP server (aiosmtpd on loopback) and a real browser (Debian's Chromium, headless,
driven by Playwright).

Orders arrive through the API; the English group page of the open group shows the amounts and the
Invite panel; the group is ended with the test helper; the cashback email is read from the SMTP server
and its link followed; the IBAN is typed and submitted; the page says "Montant cashback envoyé". The
merchant exports the SEPA batch with the CLI (validated against the pain.001 XSD) and confirms it: the
order is CASHBACK_SENT, the shopper is told, and `kohort ledger check` passes.

Screenshots land in test-artifacts/ (kept out of git) for a person to look at.
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
from playwright.async_api import Browser, async_playwright

from tests.factories.server import KOHORT, ROOT, create_organization, running_server
from tests.factories.smtp import Inbox, parts, smtp_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
IBAN = "FR1420041010050500013M02606"
PAIN_001 = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
MAIL_POLLS = 300  # × 0.1 s: the embedded runner sends within a poll interval; this only bounds a hang

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/services installs it)")


async def _mail(inbox: Inbox, to: str, subject_part: str) -> Any:
    """The first message to `to` whose subject contains `subject_part`, once the runner has sent it."""
    for _ in range(MAIL_POLLS):
        found = [message for message in inbox.to(to) if subject_part in message["Subject"]]
        if found:
            return found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no email {subject_part!r} to {to}; got {[m['Subject'] for m in inbox.messages]}")


async def _launch() -> tuple[Any, Browser]:
    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    return playwright, browser


async def test_shopper_journey_from_order_to_bank_transfer(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with smtp_server() as (inbox, smtp_port):
        env = {
            "KOHORT_DATABASE_URL": f"sqlite:///{tmp_path / 'kohort.db'}",
            "KOHORT_EMAIL_BACKEND": "smtp", "KOHORT_SMTP_HOST": "127.0.0.1", "KOHORT_SMTP_PORT": str(smtp_port),
            "KOHORT_EMAIL_SENDER": "Kohort <no-reply@kohort.test>", "KOHORT_WORKER_POLL_INTERVAL": "0.1",
            "KOHORT_ENCRYPTION_KEY": os.environ["KOHORT_ENCRYPTION_KEY"],
        }
        organization = create_organization(env, "Maison Lune")
        keys: dict[str, str] = organization["keys"]  # type: ignore[assignment]
        async with running_server(env, log_path=tmp_path / "server.log") as base_url:
            api = httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {keys['sk_test']}"},
                                    timeout=30)
            for path, body in (
                ("/payment-group-settings", {"discountLevels": [{"participantsToUnlock": 2, "value": 10},
                                                                {"participantsToUnlock": 4, "value": 15}]}),
                ("/brand-settings", {"displayName": "Maison Lune", "color": "2B59C3",
                                     "websiteUrl": "https://maison-lune.example"}),
                ("/payout-settings", {"debtorName": "Maison Lune SAS", "iban": "DE89370400440532013000",
                                      "bic": "COBADEFFXXX"}),
            ):
                assert (await api.patch(path, json=body)).status_code == 200

            owner_email = "camille.durand@example.com"
            owner = (await api.post("/orders", json={
                "amount": 3000, "customerEmail": owner_email, "customerFirstName": "Camille",
                "customerLastName": "Durand", "clientReferenceId": "shop-1001", "locale": "fr_FR"})).json()
            code = owner["paymentGroupShareId"]
            for number, (amount, first, last) in enumerate(((8000, "Léa", "Martin"), (5000, "Hugo", "Bernard")), 2):
                response = await api.post("/orders", json={
                    "amount": amount, "customerEmail": f"{first.lower()}@example.com", "customerFirstName": first,
                    "customerLastName": last, "clientReferenceId": f"shop-100{number}", "paymentGroupShareId": code})
                assert response.status_code == 201, response.text

            playwright, browser = await _launch()
            try:
                page = await browser.new_page(viewport={"width": 900, "height": 1400}, locale="en-US")
                await page.goto(f"{base_url}/en_US/pg/{code}")
                text = await page.inner_text("body")
                assert "€3.00" in text
                assert "€80.00" in text
                assert "Invite" in text
                assert "camille.durand" not in await page.content()
                assert "Durand" not in text
                await page.screenshot(path=str(ARTIFACTS / "group-page-en.png"), full_page=True)
                await page.goto(f"{base_url}/fr_FR/pg/{code}?inviteMode=true")
                assert "Camille D. vous invite chez Maison Lune" in await page.inner_text("h1")
                await page.screenshot(path=str(ARTIFACTS / "group-invite-fr.png"), full_page=True)

                ended = await api.post(f"/test-helpers/groups/{owner['paymentGroupId']}/end")
                assert ended.json()["status"] == "COMPLETED"
                # A new organization holds cashback 14 days (returns): first the "coming on" email…
                held = await _mail(inbox, owner_email, "est complet")
                assert "disponible le" in parts(held)[0]
                # …then, the hold ended (here by the test helper), the withdrawal link.
                released = await api.post(f"/test-helpers/groups/{owner['paymentGroupId']}/release-cashback")
                assert released.status_code == 200, released.text
                message = await _mail(inbox, owner_email, "cashback 💸")
                text_part, html_part = parts(message)
                link = re.search(r"http://\S+/w/ord_\w+\?token=\w+", text_part)
                assert link is not None, text_part
                await page.set_content(html_part)  # the email as a mail client would show it
                await page.screenshot(path=str(ARTIFACTS / "email-cashback-available-fr.png"), full_page=True)

                await page.goto(link.group(0))
                await page.screenshot(path=str(ARTIFACTS / "withdrawal-form-fr.png"), full_page=True)
                assert "3,00\u00a0€" in await page.inner_text("#cashback-amount")
                assert await page.input_value("#holder-name") == "Camille Durand"
                await page.click("#iban")
                await page.keyboard.type(IBAN)
                assert await page.input_value("#iban") == "FR14 2004 1010 0505 0001 3M02 606"
                await page.get_by_role("button", name="Retirer mon cashback disponible").click()
                await page.get_by_text("Montant cashback envoyé").wait_for()
                assert "3,00\u00a0€" in await page.inner_text("#cashback-amount")
                await page.screenshot(path=str(ARTIFACTS / "withdrawal-sent-fr.png"), full_page=True)
            finally:
                await browser.close()
                await playwright.stop()

            assert (await api.get(f"/orders/{owner['id']}")).json()["status"] == "CASHBACK_PROCESSING"
            xml_path = tmp_path / "batch.xml"
            exported = subprocess.run(
                [str(KOHORT), "payouts", "export", "--org", str(organization["id"]), "--output", str(xml_path)],
                cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True)
            batch_id = re.search(r"batch (pob_\w+)", exported.stderr)
            assert batch_id is not None, exported.stderr
            document = xml_path.read_text(encoding="utf-8")
            xmlschema.XMLSchema(str(PAIN_001)).validate(document)
            assert IBAN in document
            assert "<InstdAmt Ccy=\"EUR\">3.00</InstdAmt>" in document

            confirmed = subprocess.run([str(KOHORT), "payouts", "confirm", batch_id.group(1)], cwd=ROOT,
                                       env={**os.environ, **env}, capture_output=True, text=True, check=True)
            assert "1 payout(s) paid" in confirmed.stdout
            assert (await api.get(f"/orders/{owner['id']}")).json()["status"] == "CASHBACK_SENT"
            sent = await _mail(inbox, owner_email, "en route")
            assert "FR14 •••• 2606" in parts(sent)[0]
            checked = subprocess.run([str(KOHORT), "ledger", "check"], cwd=ROOT, env={**os.environ, **env},
                                     capture_output=True, text=True)
            assert checked.returncode == 0, checked.stdout + checked.stderr
            await api.aclose()
