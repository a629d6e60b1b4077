"""The hash chain over postings: sealed exactly once, in order, per tenant; a rewritten history is caught
even when it still balances and reconciles."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import delete, select, update

from kohort.db import Database
from kohort.kit import clock
from kohort.ledger import audit, chain
from kohort.models import ledger_chain_heads, ledger_entries, ledger_seals, ledger_transactions
from kohort.tenant import Tenant
from tests.cli.test_cli import kohort
from tests.factories.ledger import RealBooks, violations
from tests.factories.refund import refund

LATER = timedelta(minutes=1)  # past the sweep's settling delay


async def _seal(database: Database) -> int:
    async with database.transaction() as connection:
        return await chain.seal(connection, now=clock.now() + LATER, limit=10_000)


async def _positions(database: Database, books: RealBooks) -> list[int]:
    async with database.transaction() as connection:
        return list((await connection.execute(
            select(ledger_seals.c.position).where(ledger_seals.c.organization_id == books.merchant.id)
            .order_by(ledger_seals.c.position))).scalars())


async def test_postings_are_sealed_once_in_order_and_the_chain_verifies(database: Database, real_books: RealBooks) -> None:
    async with database.transaction() as connection:
        postings = len((await connection.execute(select(ledger_transactions.c.id).where(
            ledger_transactions.c.organization_id == real_books.merchant.id))).all())
        await chain.seal(connection, now=clock.now(), limit=10_000)
    assert await _positions(database, real_books) == []  # too recent: left to settle
    assert await _seal(database) >= postings
    assert await _positions(database, real_books) == list(range(1, postings + 1))
    await refund(real_books.merchant, real_books.orders[3]["id"], 1000)  # a new posting, after the sealed ones
    assert await _seal(database) >= 1
    assert await _positions(database, real_books) == list(range(1, postings + 2))
    assert await violations(database, real_books) == []
    async with database.transaction() as connection:
        head = await chain.head(connection, Tenant(real_books.merchant.id, False))
    assert head is not None
    assert head.position == postings + 1
    assert len(head.hash) == 64


async def test_a_balanced_rewrite_of_an_entry_and_its_counter_entry_breaks_the_chain(
    database: Database, real_books: RealBooks
) -> None:
    await _seal(database)
    async with database.transaction() as connection:
        settled = (await connection.execute(select(ledger_transactions.c.id).where(
            ledger_transactions.c.organization_id == real_books.merchant.id,
            ledger_transactions.c.kind == "group.settled"))).scalar_one()
        for account, change in (("acquisition_fee_expense", 1), ("platform_fees_payable", -1)):
            await connection.execute(update(ledger_entries).where(
                ledger_entries.c.transaction_id == settled, ledger_entries.c.account == account)
                .values(amount=ledger_entries.c.amount + change))
    found = await violations(database, real_books)
    assert not any("unbalanced" in line for line in found)
    assert any(line.startswith("[chain]") and f"posting {settled}" in line and "is not what was sealed" in line
               for line in found), found


async def test_a_rewrite_that_still_reconciles_is_caught_by_the_chain_alone(
    database: Database, real_books: RealBooks
) -> None:
    await _seal(database)
    async with database.transaction() as connection:
        paid, created_at = (await connection.execute(select(ledger_transactions.c.id, ledger_transactions.c.created_at)
                                                     .where(ledger_transactions.c.organization_id == real_books.merchant.id,
                                                            ledger_transactions.c.kind == "cashback.paid").limit(1))).one()
        # Backdated a day: every figure still adds up.
        await connection.execute(update(ledger_transactions).where(ledger_transactions.c.id == paid)
                                 .values(created_at=created_at - timedelta(days=1)))
    found = await violations(database, real_books)
    assert len(found) == 1, found
    assert found[0].startswith(f"[chain] {real_books.merchant.id} (test): link ")
    assert f"posting {paid}" in found[0]


async def test_a_deleted_seal_or_a_rewound_head_breaks_the_chain(database: Database, real_books: RealBooks) -> None:
    await _seal(database)
    tenant = (ledger_seals.c.organization_id == real_books.merchant.id) & (ledger_seals.c.livemode.is_(False))
    async with database.transaction() as connection:
        await connection.execute(delete(ledger_seals).where(tenant, ledger_seals.c.position == 2))
    found = await violations(database, real_books)
    assert any("link 2 is missing" in line for line in found), found

    await _seal(database)  # the posting whose seal went is sealed again, at the end: the gap stays
    assert any("link 2 is missing" in line for line in await violations(database, real_books))


async def test_a_truncated_chain_no_longer_ends_at_its_head(database: Database, real_books: RealBooks) -> None:
    await _seal(database)
    async with database.transaction() as connection:
        last = (await connection.execute(select(ledger_chain_heads.c.position).where(
            ledger_chain_heads.c.organization_id == real_books.merchant.id))).scalar_one()
        await connection.execute(delete(ledger_seals).where(
            ledger_seals.c.organization_id == real_books.merchant.id, ledger_seals.c.position == last))
    found = await violations(database, real_books)
    assert any(f"the head says {last} link(s)" in line for line in found), found


async def test_sweepers_racing_seal_each_posting_once(database: Database, real_books: RealBooks, postgres_only: str) -> None:
    async with database.transaction() as connection:
        postings = len((await connection.execute(select(ledger_transactions.c.id).where(
            ledger_transactions.c.organization_id == real_books.merchant.id))).all())
    await asyncio.gather(*(_seal(database) for _ in range(4)))
    assert await _positions(database, real_books) == list(range(1, postings + 1))
    assert await violations(database, real_books) == []


async def test_the_seal_command_seals_and_prints_the_heads(database: Database, real_books: RealBooks) -> None:
    sealed = kohort(database.url, "ledger", "seal", "--settle-seconds", "0")
    assert sealed.returncode == 0, sealed.stderr
    async with database.transaction() as connection:
        head = await chain.head(connection, Tenant(real_books.merchant.id, False))
    assert head is not None
    assert f"{real_books.merchant.id} (test): {head.position} link(s), head {head.hash}" in sealed.stdout
    checked = kohort(database.url, "ledger", "check", "--organization", real_books.merchant.id)
    assert checked.returncode == 0, checked.stderr
    assert audit.Finding.CHAIN == "chain"
