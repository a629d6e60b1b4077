"""GDPR erasure and access export: after `POST /customers/{id}/erase` no table holds the shopper's email,
names, phone or IBAN (every table of the schema is read, encrypted values decrypted), while amounts and
the ledger stay; the export returns everything held about them."""

from __future__ import annotations

import json
import os
import random
import string
import uuid
from typing import Any

from schwifty import IBAN
from sqlalchemy import JSON, LargeBinary, String, Text, select

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.kit.crypto import PREFIX, Cipher, DecryptionError
from kohort.models import metadata, orders
from kohort.payout.iban import validate_sepa_iban
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant, unique_email
from tests.factories.referral_group import books, end_now, set_settings
from tests.factories.withdrawal import links_in, set_payout_account


def _letters(count: int) -> str:
    return "".join(random.choices(string.ascii_lowercase, k=count))


def _unique_iban() -> str:
    while True:
        candidate = str(IBAN.generate("FR", bank_code="20041", account_code=f"{random.randrange(10**10):010d}0"))
        try:
            return validate_sepa_iban(candidate)
        except Exception:  # noqa: BLE001 - a national check digit that does not fit: draw again
            continue


class Shopper:
    """A shopper whose every personal value is unique to this test (the database is shared by the session)."""

    def __init__(self) -> None:
        self.first = "Zyl" + _letters(8)
        self.last = "Vorq" + _letters(8)
        self.email = f"{self.first.capitalize()}.{self.last.capitalize()}@example.org"
        self.phone = "+33 7 " + " ".join(f"{random.randrange(100):02d}" for _ in range(4))
        self.iban = _unique_iban()

    def order_body(self, amount: int, **fields: Any) -> dict[str, Any]:
        return {"amount": amount, "customerEmail": self.email, "customerFirstName": self.first,
                "customerLastName": self.last, "customerPhoneNumber": self.phone, **fields}

    @property
    def needles(self) -> set[str]:
        return {self.email.lower(), self.first.lower(), self.last.lower(), self.phone.lower(), self.iban.lower()}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, bytes | memoryview):
        return [bytes(value).decode("utf-8", "replace")]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (*_strings(key), *_strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _decrypted(cipher: Cipher, stored: str, candidates: list[str]) -> str | None:
    for context in candidates:
        try:
            return cipher.decrypt(stored, associated_data=context)
        except DecryptionError:
            continue
    return None


async def scan(database: Database, merchant: Merchant, needles: set[str]) -> list[str]:
    """Every text of every table (JSON walked, bytes decoded, `v1:` values decrypted with the test key)
    that contains one of `needles`, case-insensitively, as "table.column: text"."""
    cipher = Cipher(os.environ["KOHORT_ENCRYPTION_KEY"])
    found: list[str] = []
    async with database.transaction() as connection:
        for table in metadata.sorted_tables:
            textual = [column for column in table.columns if isinstance(column.type, String | Text | JSON | LargeBinary)
                       or isinstance(getattr(column.type, "impl", None), JSON)]
            if not textual:
                continue
            for row in (await connection.execute(select(table))).mappings():
                row_texts = [text for column in table.columns for text in _strings(row[column.name])]
                candidates = ["", *row_texts, *(f"{prefix}:{text}" for text in row_texts
                                                for prefix in ("payout", "payout-batch", "webhook", table.name))]
                ours = row.get("organization_id") == merchant.id
                for column in textual:
                    for text in _strings(row[column.name]):
                        readable = [text]
                        for part in (text, *_strings(_json_or_none(text))):
                            if part.startswith(PREFIX):
                                clear = _decrypted(cipher, part, candidates)
                                assert clear is not None or not ours, f"{table.name}.{column.name} unreadable"
                                readable.append(clear or "")
                        for item in readable:
                            if any(needle in item.lower() for needle in needles):
                                found.append(f"{table.name}.{column.name}: {item[:2000]}")
    return found


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


async def _withdraw(merchant: Merchant, outbox: MemorySender, shopper: Shopper) -> None:
    assert links_in(outbox, shopper.email), [(email.to, email.subject) for email in outbox.sent[-6:]]
    link = links_in(outbox, shopper.email)[-1]
    response = await merchant.client.post("/withdrawals", json={
        "orderId": link.order_id, "token": link.token, "iban": shopper.iban,
        "holderName": f"{shopper.first} {shopper.last}"})
    assert response.status_code == 201, response.text


async def _a_shopper_everywhere(runtime: Runtime, merchant: Merchant, outbox: MemorySender, shopper: Shopper
                                ) -> dict[str, Any]:
    """The shopper owns a group someone joins, joins another group (its owner is emailed their name), is
    paid through a confirmed SEPA batch, and one of their orders went through an idempotency key."""
    await set_payout_account(merchant)
    await set_settings(merchant, discountLevels=[{"participantsToUnlock": 2, "value": 10}])
    created = await merchant.post("/orders", json=shopper.order_body(4000),
                                  headers={"Idempotency-Key": f"erase-{uuid.uuid4()}"})
    assert created.status_code == 201, created.text
    owned = created.json()
    await merchant.order(amount=6000, share_code=owned["paymentGroupShareId"])
    other_owner = await merchant.order(amount=5000)
    joined = await merchant.post("/orders", json=shopper.order_body(
        3000, paymentGroupShareId=other_owner["paymentGroupShareId"], metadata={"giftFor": shopper.first}))
    assert joined.status_code == 201, joined.text
    refund = await merchant.post(f"/orders/{joined.json()['id']}/refunds", json={
        "amount": 500, "reason": f"Returned by {shopper.first} {shopper.last} ({shopper.email})"})
    assert refund.status_code == 201, refund.text
    await end_now(merchant, owned["paymentGroupId"])
    await Runner(runtime, batch_size=100).drain()
    await _withdraw(merchant, outbox, shopper)
    batch = await merchant.post("/payout-batches")
    assert batch.status_code == 201, batch.text
    assert shopper.iban in (await merchant.get(f"/payout-batches/{batch.json()['id']}/file")).text
    assert (await merchant.post(f"/payout-batches/{batch.json()['id']}/confirm")).status_code == 200
    await Runner(runtime, batch_size=100).drain()
    return {"owned": owned, "joined": joined.json(), "batch": batch.json()}


async def test_after_erase_no_table_holds_the_email_names_phone_or_iban(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    shopper = Shopper()
    made = await _a_shopper_everywhere(runtime, merchant, outbox, shopper)
    customer_id = made["owned"]["customerId"]
    before = await scan(database, merchant, shopper.needles)
    # The scan sees the data where it is: in the customer, orders, groups, events, emails, payouts, the file.
    assert {place.split(":")[0] for place in before} >= {
        "customers.email_address", "orders.customer_email", "payment_groups.creator_email", "events.data",
        "jobs.payload", "payout_batches.document", "idempotency_keys.response_body", "refunds.reason",
        "orders.metadata"}, before
    books_before = await books(database, merchant)

    erased = await merchant.post(f"/customers/{customer_id}/erase")
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["emailAddress"].startswith("erased-")
    assert body["emailAddress"].endswith("@erased.invalid")
    assert (body["firstName"], body["lastName"], body["phoneNumber"]) == (None, None, None)
    assert body["erasedAt"] is not None
    assert body["erasedBy"].startswith("key_")

    assert await scan(database, merchant, shopper.needles) == []
    # Amounts and the books are untouched.
    assert await books(database, merchant) == books_before
    async with database.transaction() as connection:
        amounts = (await connection.execute(select(orders.c.amount, orders.c.amount_cashback).where(
            orders.c.customer_id == customer_id).order_by(orders.c.created_at))).all()
    assert [row.amount for row in amounts] == [4000, 3000]
    # Irreversible and idempotent: the second erase answers the same customer.
    again = await merchant.post(f"/customers/{customer_id}/erase")
    assert again.status_code == 200
    assert again.json() == body
    # The group page shows an anonymous participant; the old email finds no order.
    page = await merchant.client.get(f"/pg/{made['owned']['paymentGroupShareId']}")
    assert page.status_code == 200
    assert shopper.first.lower() not in page.text.lower()
    searched = await merchant.get("/orders", params={"search": f"customerEmail:{shopper.email}"})
    assert searched.json()["count"] == 0
    # The batch's stored file (masked after confirmation) no longer names the shopper.
    batch_file = await merchant.get(f"/payout-batches/{made['batch']['id']}/file")
    assert batch_file.status_code == 200
    assert shopper.last.lower() not in batch_file.text.lower()
    assert "<Nm>ERASED</Nm>" in batch_file.text
    # The export still answers, with the pseudonym only.
    export = await merchant.get(f"/customers/{customer_id}/export")
    assert export.status_code == 200
    assert not any(needle in export.text.lower() for needle in shopper.needles)


async def test_erase_is_refused_while_a_payout_is_not_settled(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    shopper = Shopper()
    await set_payout_account(merchant)
    await set_settings(merchant, discountLevels=[{"participantsToUnlock": 2, "value": 10}])
    owned = (await merchant.post("/orders", json=shopper.order_body(4000))).json()
    await merchant.order(amount=6000, share_code=owned["paymentGroupShareId"])
    await end_now(merchant, owned["paymentGroupId"])
    await Runner(runtime, batch_size=100).drain()
    await _withdraw(merchant, outbox, shopper)

    refused = await merchant.post(f"/customers/{owned['customerId']}/erase")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "CUSTOMER_PAYOUT_IN_FLIGHT"
    batch = (await merchant.post("/payout-batches")).json()
    # In an exported batch the file may still be uploaded: still refused.
    assert (await merchant.post(f"/customers/{owned['customerId']}/erase")).status_code == 409
    assert (await merchant.post(f"/payout-batches/{batch['id']}/confirm")).status_code == 200
    assert (await merchant.post(f"/customers/{owned['customerId']}/erase")).status_code == 200


async def test_an_erased_customer_takes_no_new_order_by_id_and_a_new_order_by_email_starts_afresh(
    merchant: Merchant
) -> None:
    shopper = Shopper()
    first = (await merchant.post("/orders", json=shopper.order_body(4000))).json()
    assert (await merchant.post(f"/customers/{first['customerId']}/erase")).status_code == 200
    by_id = await merchant.post("/orders", json={"amount": 1000, "customerId": first["customerId"]})
    assert by_id.status_code == 400
    assert by_id.json()["error"]["code"] == "CUSTOMER_ERASED"
    again = await merchant.post("/orders", json=shopper.order_body(1000))
    assert again.status_code == 201
    assert again.json()["customerId"] != first["customerId"]


async def test_erase_and_export_are_tenant_scoped_and_unknown_ids_are_404(
    merchant: Merchant, other_merchant: Merchant
) -> None:
    order = await merchant.order()
    assert (await other_merchant.post(f"/customers/{order['customerId']}/erase")).status_code == 404
    assert (await other_merchant.get(f"/customers/{order['customerId']}/export")).status_code == 404
    assert (await merchant.post("/customers/cus_nope/erase")).status_code == 404
    assert (await merchant.get(f"/customers/{order['customerId']}/export", key="pk_test")).status_code in (401, 403)


async def test_the_export_holds_orders_groups_payouts_cashback_and_emails(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    shopper = Shopper()
    made = await _a_shopper_everywhere(runtime, merchant, outbox, shopper)
    customer_id = made["owned"]["customerId"]
    response = await merchant.get(f"/customers/{customer_id}/export")
    assert response.status_code == 200, response.text
    export = response.json()
    assert export["object"] == "customer_export"
    assert export["customer"]["emailAddress"] == shopper.email
    assert {order["id"] for order in export["orders"]} == {made["owned"]["id"], made["joined"]["id"]}
    assert [refund["amount"] for refund in export["refunds"]] == [500]
    assert [group["id"] for group in export["groupsOwned"]] == [made["owned"]["paymentGroupId"]]
    assert [group["id"] for group in export["groupsJoined"]] == [made["joined"]["paymentGroupId"]]
    [payout] = export["payouts"]
    assert payout["status"] == "PAID"
    assert shopper.iban not in response.text  # masked only
    assert payout["iban"].endswith(shopper.iban[-4:])
    [cashback] = export["cashback"]
    assert cashback == {"currency": "EUR", "earned": 400, "paid": 400}
    assert export["emails"]
    assert all(email["kind"] for email in export["emails"])
    assert export["consents"] == {"isBlocked": False, "blockedAt": None, "deletedAt": None, "erasedAt": None}


async def test_a_soft_deleted_customer_is_hidden_from_expand_search_and_the_group_page(merchant: Merchant) -> None:
    email = unique_email()
    owner = await merchant.order(email=email)
    await merchant.order(share_code=owner["paymentGroupShareId"])
    assert (await merchant.delete(f"/customers/{owner['customerId']}")).status_code == 200

    expanded = await merchant.get(f"/orders/{owner['id']}", params={"expand[]": "customer"})
    assert expanded.status_code == 200
    assert expanded.json()["customer"] is None
    assert expanded.json()["customerId"] == owner["customerId"]
    assert (await merchant.get("/orders", params={"search": f"customerEmail:{email}"})).json()["count"] == 0
    assert (await merchant.get("/customers", params={"search": f"emailAddress:{email}"})).json()["count"] == 0
    assert (await merchant.get("/payment-groups", params={"search": f"creatorEmail:{email}"})).json()["count"] == 0
    page = await merchant.client.get(f"/pg/{owner['paymentGroupShareId']}")
    assert page.status_code == 200
    assert "Ann L." in page.text  # the other participant, not deleted
    assert page.text.count("Ann L.") == 1


async def test_no_email_is_queued_for_an_erased_customer(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    shopper = Shopper()
    owned = (await merchant.post("/orders", json=shopper.order_body(4000))).json()
    erased = (await merchant.post(f"/customers/{owned['customerId']}/erase")).json()
    await merchant.order(share_code=owned["paymentGroupShareId"])  # the owner would be told someone joined
    await Runner(runtime, batch_size=100).drain()
    assert outbox.sent  # the runner did send (to the other shopper)
    assert not [email for email in outbox.sent if email.to == erased["emailAddress"]]
