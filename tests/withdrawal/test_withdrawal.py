"""From cashback available to money paid: the withdrawal (page and JSON), payouts, SEPA batches,
confirmation and failure; after each step the ledger audit holds."""

from __future__ import annotations

from pathlib import Path

import sepaxml
import xmlschema
from sqlalchemy import select

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.models import payout_accounts, payouts
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant
from tests.factories.referral_group import books, owed_to
from tests.factories.withdrawal import GOOD_IBAN, links_in, settled_group

PAIN_001 = xmlschema.XMLSchema(str(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"))


async def withdraw(merchant: Merchant, link, **fields):  # type: ignore[no-untyped-def]
    body = {"orderId": link.order_id, "token": link.token, "iban": GOOD_IBAN, "holderName": "Ann Lee", **fields}
    return await merchant.client.post("/withdrawals", json=body)


async def test_settlement_emails_each_participant_a_single_use_withdrawal_link(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    owner_email = next(email for email in outbox.sent if email.to == placed[0]["customerEmail"]
                       and "cashback" in email.subject.lower() and "/w/" in email.text)
    assert "3,00\u00a0€" in owner_email.text
    assert "/w/" in owner_email.html
    assert placed[0]["link"].order_id == placed[0]["id"]
    assert len(placed[0]["link"].token) == 64


async def test_the_withdrawal_page_asks_for_the_iban_then_shows_the_amount_sent(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    link = placed[0]["link"]
    page = await merchant.client.get(f"/w/{link.order_id}", params={"token": link.token})
    assert page.status_code == 200
    assert "Retirer mon cashback disponible" in page.text
    assert "3,00\u00a0€" in page.text
    assert 'value="Ann Lee"' in page.text  # holder name prefilled from the customer

    refused = await merchant.client.post(f"/w/{link.order_id}", data={
        "token": link.token, "iban": "FR15 2004 1010 0505 0001 3M02 606", "holderName": "Ann Lee"})
    assert refused.status_code == 400
    assert "faute de frappe" in refused.text

    sent = await merchant.client.post(f"/w/{link.order_id}", data={
        "token": link.token, "iban": "fr14 2004 1010 0505 0001 3m02 606", "holderName": "Ann Lee"},
        follow_redirects=True)
    assert sent.status_code == 200
    assert "Montant cashback envoyé" in sent.text
    assert "3,00\u00a0€" in sent.text
    assert "FR14 •••• 2606" in sent.text
    assert "FR1420041010050500013M02606" not in sent.text
    order = (await merchant.get(f"/orders/{link.order_id}")).json()
    assert order["status"] == "CASHBACK_PROCESSING"
    assert "token" not in order
    assert "withdrawalTokenHash" not in order


async def test_a_wrong_token_or_unknown_order_gets_the_same_neutral_answer(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    link = placed[0]["link"]
    wrong = await merchant.client.get(f"/w/{link.order_id}", params={"token": "0" * 64})
    unknown = await merchant.client.get("/w/ord_00000000000000000000", params={"token": link.token})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.text == unknown.text
    assert "3,00" not in wrong.text
    assert "Ann" not in wrong.text
    response = await withdraw(merchant, link, token="f" * 64)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_WITHDRAWAL_TOKEN"


async def test_json_withdrawal_is_exactly_once_and_moves_the_liability_in_transit(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    link = placed[1]["link"]
    bad = await withdraw(merchant, link, iban="US12345678901234")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "IBAN_NOT_SEPA"

    first = await withdraw(merchant, link)
    assert first.status_code == 201, first.text
    payout = first.json()["payout"]
    assert payout["id"].startswith("po_")
    assert payout["amount"] == 800
    assert payout["status"] == "PENDING"
    assert payout["iban"] == "FR14 •••• 2606"
    again = await withdraw(merchant, link)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "ALREADY_WITHDRAWN"

    async with database.transaction() as connection:
        stored = (await connection.execute(select(payouts).where(payouts.c.order_id == link.order_id))).mappings().all()
    assert len(stored) == 1
    assert "FR14" not in stored[0]["iban_encrypted"]
    assert "2606" not in stored[0]["iban_encrypted"]
    balances = await books(database, merchant)
    assert await owed_to(database, merchant, link.order_id) == 0
    assert balances["cashback_in_transit"] == -800


async def test_a_batch_pays_pending_payouts_and_confirmation_completes_the_orders(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000, 5000])
    for order in placed[:2]:
        assert (await withdraw(merchant, order["link"])).status_code == 201

    created = await merchant.post("/payout-batches")
    assert created.status_code == 201, created.text
    batch = created.json()
    assert "xml" not in batch  # the file is downloaded on its own (tests/payout/test_batch_files.py)
    xml = (await merchant.get(f"/payout-batches/{batch['id']}/file")).text
    assert batch["id"].startswith("pob_")
    assert batch["payoutCount"] == 2
    assert batch["totalAmount"] == 1100
    PAIN_001.validate(xml)  # raises if the file is not a valid pain.001.001.03
    assert GOOD_IBAN in xml
    assert "DE89370400440532013000" in xml
    assert "<CtrlSum>11.00</CtrlSum>" in xml
    assert {payout["status"] for payout in batch["payouts"]} == {"IN_BATCH"}
    assert f"TEST Cashback {placed[0]['id'].replace('_', '-')}" in xml  # a test-mode file says so
    assert (await merchant.post("/payout-batches")).status_code == 409  # nothing left pending
    assert "xml" not in (await merchant.get(f"/payout-batches/{batch['id']}")).json()

    confirmed = await merchant.post(f"/payout-batches/{batch['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "CONFIRMED"
    assert {payout["status"] for payout in confirmed.json()["payouts"]} == {"PAID"}
    for order in placed[:2]:
        assert (await merchant.get(f"/orders/{order['id']}")).json()["status"] == "CASHBACK_SENT"
    assert (await merchant.get(f"/orders/{placed[2]['id']}")).json()["status"] == "CASHBACK_AVAILABLE"
    assert (await merchant.post(f"/payout-batches/{batch['id']}/confirm")).status_code == 409

    async with database.transaction() as connection:
        rows = (await connection.execute(select(payouts.c.iban_encrypted).where(payouts.c.batch_id == batch["id"]))).all()
    assert [row[0] for row in rows] == [None, None]  # IBANs erased once paid
    balances = await books(database, merchant)
    assert balances.get("cashback_in_transit", 0) == 0
    assert balances["merchant_funds"] == -1100

    await Runner(runtime, batch_size=100).drain()
    sent = [email for email in outbox.sent if email.to == placed[0]["customerEmail"] and "route" in email.subject]
    assert len(sent) == 1
    assert "FR14 •••• 2606" in sent[0].text
    page = await merchant.client.get(f"/w/{placed[0]['id']}", params={"token": placed[0]["link"].token})
    assert "Montant cashback envoyé" in page.text
    assert "versé" in page.text


async def test_a_failed_payout_gives_the_cashback_back_with_a_fresh_link(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    old = placed[0]["link"]
    payout = (await withdraw(merchant, old)).json()["payout"]
    batch = (await merchant.post("/payout-batches")).json()

    failed = await merchant.post(f"/payouts/{payout['id']}/fail", json={"reason": "AC04 closed account"})
    assert failed.status_code == 200
    assert failed.json()["status"] == "FAILED"
    assert (await merchant.get(f"/orders/{old.order_id}")).json()["status"] == "CASHBACK_AVAILABLE"
    assert await owed_to(database, merchant, old.order_id) == 300
    await books(database, merchant)  # the audit holds after the reversal
    assert (await merchant.post(f"/payouts/{payout['id']}/fail", json={})).status_code == 409

    await Runner(runtime, batch_size=100).drain()
    fresh = links_in(outbox, placed[0]["customerEmail"])[-1]
    assert fresh.token != old.token
    assert (await withdraw(merchant, old)).status_code == 400
    assert (await withdraw(merchant, fresh)).status_code == 201
    confirmed = (await merchant.post(f"/payout-batches/{batch['id']}/confirm")).json()
    assert confirmed["payouts"][0]["status"] == "FAILED"  # a failed payout stays failed
    assert (await merchant.get(f"/orders/{old.order_id}")).json()["status"] == "CASHBACK_PROCESSING"


async def test_payouts_and_batches_are_tenant_scoped(
    runtime: Runtime, merchant: Merchant, other_merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    payout = (await withdraw(merchant, placed[0]["link"])).json()["payout"]
    batch = (await merchant.post("/payout-batches")).json()
    for path in (f"/payout-batches/{batch['id']}", f"/payouts/{payout['id']}"):
        assert (await other_merchant.get(path)).status_code == 404
        assert (await merchant.get(path, key="sk_live")).status_code == 404
    assert (await other_merchant.post(f"/payout-batches/{batch['id']}/confirm")).status_code == 404
    assert (await merchant.post("/payout-batches", key="pk_test")).status_code == 403


async def test_without_a_payout_account_the_shopper_is_told_to_come_back_and_keeps_the_cashback(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    link = placed[0]["link"]
    async with database.transaction() as connection:
        await connection.execute(payout_accounts.delete().where(payout_accounts.c.organization_id == merchant.id))
    response = await withdraw(merchant, link)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PAYOUT_ACCOUNT_MISSING"
    page = await merchant.client.post(f"/w/{link.order_id}", data={"token": link.token, "iban": GOOD_IBAN,
                                                                     "holderName": "Ann Lee"})
    assert page.status_code == 400
    assert "pas encore configuré ses virements" in page.text
    assert (await merchant.get(f"/orders/{link.order_id}")).json()["status"] == "CASHBACK_AVAILABLE"


async def test_the_legacy_api_version_gets_snake_case_batches(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    await withdraw(merchant, placed[0]["link"])
    batch = (await merchant.post("/payout-batches", headers={"Kohort-Version": "2024-01-01"})).json()
    assert batch["payout_count"] == 1
    assert batch["payouts"][0]["order_id"] == placed[0]["id"]


async def test_the_withdrawal_page_speaks_the_order_language(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    await settled_group(runtime, merchant, outbox, [3000, 8000])  # payout account and levels
    owner = await merchant.order(amount=3000, locale="en_GB")
    friend = await merchant.order(amount=8000, share_code=owner["paymentGroupShareId"])
    assert (await merchant.post(f"/test-helpers/groups/{owner['paymentGroupId']}/end")).status_code == 200
    await Runner(runtime, batch_size=100).drain()
    link = links_in(outbox, owner["customerEmail"])[-1]
    page = await merchant.client.get(link.url.split("127.0.0.1:8000", 1)[-1])
    assert "Withdraw my available cashback" in page.text
    assert "€3.00" in page.text
    refused = await merchant.client.post(f"/w/{link.order_id}", data={"token": link.token, "iban": "XX00"})
    assert "The IBAN format is not valid." in refused.text
    sent = await merchant.client.post(f"/w/{link.order_id}", data={"token": link.token, "iban": GOOD_IBAN,
                                                                     "holderName": "Ann Lee"}, follow_redirects=True)
    assert "Cashback amount sent" in sent.text
    assert "€3.00" in sent.text
    assert friend["id"] != link.order_id


async def test_the_holder_name_is_stored_as_the_bank_file_will_spell_it(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    response = await withdraw(merchant, placed[0]["link"], holderName="Zoë Müller-Łukasz")
    assert response.status_code == 201, response.text
    assert response.json()["payout"]["holderName"] == "Zoe Mueller-Lukasz"
    batch = (await merchant.post("/payout-batches")).json()
    xml = (await merchant.get(f"/payout-batches/{batch['id']}/file")).text
    PAIN_001.validate(xml)
    assert "<Nm>Zoe Mueller-Lukasz</Nm>" in xml


async def test_a_holder_name_with_no_latin_spelling_is_refused_and_the_cashback_stays(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    link = placed[0]["link"]
    for name in ("😀😀", "Иван Петров"):
        response = await withdraw(merchant, link, holderName=name)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "HOLDER_NAME_INVALID"
    page = await merchant.client.post(f"/w/{link.order_id}", data={"token": link.token, "iban": GOOD_IBAN,
                                                                     "holderName": "😀😀"})
    assert page.status_code == 400
    assert "lettres latines" in page.text
    assert (await merchant.get(f"/orders/{link.order_id}")).json()["status"] == "CASHBACK_AVAILABLE"
    assert await owed_to(database, merchant, link.order_id) == 300
    assert (await withdraw(merchant, link, holderName="Ann Lee")).status_code == 201  # the link still works

