"""`kohort ledger check` reconciles everything: books produced by the real flows (settlement, withdrawals,
a confirmed batch, a batch under way, refunds before and after payout) pass, and each tampering with a
direct SQL write is caught."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import Database
from kohort.kit import clock
from kohort.ledger import audit
from kohort.models import ledger_entries, ledger_transactions, orders, payout_batches, payouts, refunds
from tests.cli.test_cli import kohort
from tests.factories.ledger import RealBooks, violations

Tampering = Callable[[AsyncConnection, RealBooks], Awaitable[None]]


async def _payout_amount(connection: AsyncConnection, books: RealBooks) -> None:
    # What goes into the SEPA file.
    await connection.execute(update(payouts).where(payouts.c.id == books.payout_of(2)).values(amount=50_000))


async def _batch_total(connection: AsyncConnection, books: RealBooks) -> None:
    await connection.execute(update(payout_batches).where(payout_batches.c.id == books.paid_batch)
                             .values(total_amount=payout_batches.c.total_amount + 1))


async def _order_amount(connection: AsyncConnection, books: RealBooks) -> None:
    await connection.execute(update(orders).where(orders.c.id == books.orders[1]["id"]).values(amount=9000))


async def _cashback_of_a_sent_order(connection: AsyncConnection, books: RealBooks) -> None:
    await connection.execute(update(orders).where(orders.c.id == books.orders[1]["id"]).values(amount_cashback=900))


async def _paid_payout_back_to_pending(connection: AsyncConnection, books: RealBooks) -> None:
    await connection.execute(update(payouts).where(payouts.c.id == books.payout_of(1))
                             .values(status="PENDING", batch_id=None, paid_at=None))


async def _refund_amount(connection: AsyncConnection, books: RealBooks) -> None:
    await connection.execute(update(refunds).where(refunds.c.order_id == books.orders[3]["id"]).values(amount=1500))


def _entry_of(books: RealBooks, index: int, account: str) -> Any:
    return (ledger_entries.c.order_id == books.orders[index]["id"]) & (ledger_entries.c.account == account)


async def _entry_amount(connection: AsyncConnection, books: RealBooks) -> None:
    await connection.execute(update(ledger_entries).where(_entry_of(books, 3, "cashback_liability"))
                             .values(amount=ledger_entries.c.amount - 100))


async def _entry_deleted(connection: AsyncConnection, books: RealBooks) -> None:
    await connection.execute(delete(ledger_entries).where(_entry_of(books, 2, "cashback_in_transit")))


async def _posting_by_hand(connection: AsyncConnection, books: RealBooks) -> None:
    # A balanced posting that looks like a settlement: 100 more owed to order 3.
    now, order_id = clock.now(), books.orders[3]["id"]
    tenant = {"organization_id": books.merchant.id, "livemode": False}
    await connection.execute(insert(ledger_transactions).values(
        id="ltx_byhand", kind="group.settled", idempotency_key=f"settlement:by-hand-{order_id}", reverses_id=None,
        created_at=now, **tenant))
    await connection.execute(insert(ledger_entries), [
        {"transaction_id": "ltx_byhand", "line": 1, "account": "cashback_expense", "order_id": None, "amount": 100,
         "created_at": now, **tenant},
        {"transaction_id": "ltx_byhand", "line": 2, "account": "cashback_liability", "order_id": order_id,
         "amount": -100, "created_at": now, **tenant},
    ])


async def _sent_order_back_to_available(connection: AsyncConnection, books: RealBooks) -> None:
    await connection.execute(update(orders).where(orders.c.id == books.orders[1]["id"])
                             .values(status="CASHBACK_AVAILABLE"))


CASES: dict[str, tuple[Tampering, str]] = {
    "payout amount": (_payout_amount, "amount 50000 but its withdrawal moved 500"),
    "batch total": (_batch_total, "batch"),
    "order amount": (_order_amount, "net amount 9000 at the group's level (10) earns 900"),
    "amount_cashback of a sent order": (_cashback_of_a_sent_order, "earned 900 (amountCashback 900)"),
    "a PAID payout set back to PENDING": (_paid_payout_back_to_pending, "is PENDING but the ledger paid it"),
    "a refund amount": (_refund_amount, "its refunds add up to 1500 but amountRefunded is 2000"),
    "a ledger entry amount": (_entry_amount, "is unbalanced (-100 cents)"),
    "an entry deleted": (_entry_deleted, "is unbalanced (+500 cents)"),
    "a posting inserted by hand": (_posting_by_hand, "no completed group of the tenant settled it"),
    "a sent order set back to available": (_sent_order_back_to_available, "is CASHBACK_AVAILABLE but payout"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_each_tampering_is_caught(database: Database, real_books: RealBooks, case: str) -> None:
    tamper, expected = CASES[case]
    async with database.transaction() as connection:
        await tamper(connection, real_books)
    found = await violations(database, real_books)
    assert any(expected in line for line in found), found


async def test_real_books_pass_with_every_step_reconciled(database: Database, real_books: RealBooks) -> None:
    async with database.transaction() as connection:
        report = await audit.audit(connection, organization_id=real_books.merchant.id)
        statuses = dict((await connection.execute(
            select(orders.c.id, orders.c.status).where(orders.c.organization_id == real_books.merchant.id))).all())
    assert report.summary() == []
    assert not report.counts
    assert sorted(statuses.values()) == [
        "CASHBACK_AVAILABLE", "CASHBACK_PROCESSING", "CASHBACK_SENT", "CASHBACK_SENT",
    ]


async def test_findings_are_capped_per_kind(database: Database, real_books: RealBooks) -> None:
    async with database.transaction() as connection:
        for index in range(25):
            await connection.execute(insert(ledger_transactions).values(
                id=f"ltx_stray{index}", organization_id=real_books.merchant.id, livemode=False, kind="group.settled",
                idempotency_key=f"stray:{real_books.merchant.id}:{index}", reverses_id=None, created_at=clock.now()))
    found = await violations(database, real_books)
    posting_lines = [line for line in found if line.startswith("[posting]")]
    assert len(posting_lines) == audit.REPORT_LIMIT + 1
    assert posting_lines[-1] == "[posting] … and 5 more posting violation(s)"


async def test_the_command_passes_clean_books_and_fails_tampered_ones(database: Database, real_books: RealBooks) -> None:
    organization = real_books.merchant.id
    clean = kohort(database.url, "ledger", "check", "--organization", organization)
    assert clean.returncode == 0, clean.stderr
    assert "ledger check passed" in clean.stdout
    async with database.transaction() as connection:
        await _paid_payout_back_to_pending(connection, real_books)
    tampered = kohort(database.url, "ledger", "check", "--organization", organization)
    assert tampered.returncode == 1
    assert "is PENDING but the ledger paid it" in tampered.stderr
    assert "ledger check FAILED" in tampered.stderr
