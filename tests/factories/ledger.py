"""Books produced by the real flows (settlement, withdrawals, batches, refunds), for the ledger audit's
and the hash chain's tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.ledger import audit
from kohort.models import payouts
from kohort.runtime import Runtime
from tests.factories.merchant import Merchant
from tests.factories.refund import refund
from tests.factories.withdrawal import GOOD_IBAN, settled_group


@dataclass
class RealBooks:
    """A merchant's books after the real flows: orders 0 and 1 paid (batch `paid_batch`, order 0 then
    refunded: a receivable), order 2 in a batch not confirmed yet (`open_batch`), order 3 available and
    partly refunded."""

    merchant: Merchant
    orders: list[dict[str, Any]]
    paid_batch: str
    open_batch: str

    def payout_of(self, index: int) -> Any:
        return select(payouts.c.id).where(payouts.c.order_id == self.orders[index]["id"]).scalar_subquery()


async def _withdraw(merchant: Merchant, order: dict[str, Any]) -> None:
    link = order["link"]
    response = await merchant.client.post("/withdrawals", json={
        "orderId": link.order_id, "token": link.token, "iban": GOOD_IBAN, "holderName": "Ann Lee"})
    assert response.status_code == 201, response.text


async def _batch(merchant: Merchant) -> str:
    response = await merchant.post("/payout-batches")
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def violations(database: Database, books: RealBooks) -> list[str]:
    async with database.transaction() as connection:
        return await audit.violations(connection, organization_id=books.merchant.id)


async def real_books(database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender) -> RealBooks:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000, 5000, 6000])  # 10 %: 300, 800, 500, 600
    for order in placed[:2]:
        await _withdraw(merchant, order)
    paid_batch = await _batch(merchant)
    confirmed = await merchant.post(f"/payout-batches/{paid_batch}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    await _withdraw(merchant, placed[2])
    open_batch = await _batch(merchant)
    await refund(merchant, placed[0]["id"], 1000)  # after payout: 100 owed back
    await refund(merchant, placed[3]["id"], 2000)  # available: 600 → 400
    books = RealBooks(merchant, placed, paid_batch, open_batch)
    assert await violations(database, books) == []
    return books
