"""A refund while the order's cashback is being paid (payout pending in an exported batch not confirmed
yet): the payout is never edited, the cut becomes the shopper's debt (`cashbackOwed`), and whatever
the bank does next, no more than is due is paid in the end (issue 10)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.models import payouts
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant
from tests.factories.referral_group import books
from tests.factories.refund import order, refund
from tests.factories.withdrawal import GOOD_IBAN, links_in, settled_group


async def _payout_amount(database: Database, order_id: str) -> int:
    async with database.transaction() as connection:
        amounts = (await connection.execute(select(payouts.c.amount).where(payouts.c.order_id == order_id))).scalars()
        return sum(amounts)


async def _in_batch(runtime: Runtime, merchant: Merchant, outbox: MemorySender) -> tuple[dict[str, Any], str]:
    """Ann's 10.00 (10 % of 100.00) withdrawn and in a batch the bank has not confirmed; returns her order
    and the batch id."""
    ann, _ = await settled_group(runtime, merchant, outbox, [10_000, 10_000])
    link = ann["link"]
    withdrawn = await merchant.client.post("/withdrawals", json={
        "orderId": link.order_id, "token": link.token, "iban": GOOD_IBAN, "holderName": "Ann Lee"})
    assert withdrawn.status_code == 201, withdrawn.text
    batch = await merchant.post("/payout-batches")
    assert batch.status_code == 201, batch.text
    return ann, batch.json()["id"]


@pytest.mark.parametrize("bank", ["confirms", "fails"])
async def test_a_refund_during_a_payout_in_an_unconfirmed_batch_pays_no_more_than_is_due(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender, bank: str
) -> None:
    ann, batch_id = await _in_batch(runtime, merchant, outbox)
    await refund(merchant, ann["id"], 4_000)  # 60.00 left: 6.00 due

    during = await order(merchant, ann["id"])
    assert (during["status"], during["amountCashback"]) == ("CASHBACK_PROCESSING", 1_000)  # the transfer as sent
    assert await _payout_amount(database, ann["id"]) == 1_000  # a payout in a batch is never edited
    customer = (await merchant.get(f"/customers/{ann['customerId']}")).json()
    assert customer["cashbackOwed"] == 400
    assert (await books(database, merchant))["cashback_receivable"] == 400

    if bank == "confirms":
        confirmed = await merchant.post(f"/payout-batches/{batch_id}/confirm")
        assert confirmed.status_code == 200, confirmed.text
        after = await order(merchant, ann["id"])
        assert (after["status"], after["amountCashback"]) == ("CASHBACK_SENT", 1_000)
        # Paid 10.00, owes 4.00 back until her next cashback with this merchant pays it.
        assert (await merchant.get(f"/customers/{ann['customerId']}")).json()["cashbackOwed"] == 400
        assert (await books(database, merchant))["merchant_funds"] == -1_000
        return

    payout = (await merchant.get("/payouts")).json()["data"][0]
    failed = await merchant.post(f"/payouts/{payout['id']}/fail", json={"reason": "AC04 closed account"})
    assert failed.status_code == 200, failed.text
    # The cashback comes back and pays the debt first: 6.00 left to withdraw, nothing owed.
    after = await order(merchant, ann["id"])
    assert (after["status"], after["amountCashback"], after["cashbackNetted"]) == ("CASHBACK_AVAILABLE", 600, 400)
    assert (await merchant.get(f"/customers/{ann['customerId']}")).json()["cashbackOwed"] == 0
    balances = await books(database, merchant)
    assert (balances["cashback_receivable"], balances.get("merchant_funds", 0)) == (0, 0)

    await Runner(runtime, batch_size=100).drain()
    link = links_in(outbox, ann["customerEmail"])[-1]
    assert link.token != ann["link"].token
    email = [sent for sent in outbox.sent if sent.to == ann["customerEmail"] and link.url in sent.text][-1]
    assert "6,00\u00a0€" in email.text
    again = await merchant.client.post("/withdrawals", json={
        "orderId": link.order_id, "token": link.token, "iban": GOOD_IBAN, "holderName": "Ann Lee"})
    assert again.status_code == 201, again.text
    assert await _payout_amount(database, ann["id"]) == 1_000 + 600  # the failed one, then what is due
    await books(database, merchant)
