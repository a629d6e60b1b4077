"""The ledger's posting API: balanced, idempotent, append-only corrections."""

from __future__ import annotations

import pytest

from kohort.db import Database
from kohort.ledger import audit
from kohort.ledger import service as ledger
from kohort.ledger.accounts import Account
from kohort.ledger.errors import DuplicatePosting, UnbalancedPosting
from kohort.tenant import Tenant
from tests.factories.merchant import Merchant


def grant(tenant: Tenant, key: str, amount: int, order_id: str = "ord_x") -> ledger.Posting:
    return ledger.Posting(
        tenant=tenant,
        kind=ledger.PostingKind.GROUP_SETTLED,
        idempotency_key=key,
        entries=[
            ledger.Entry(Account.CASHBACK_EXPENSE, amount),
            ledger.Entry(Account.CASHBACK_LIABILITY, -amount, order_id=order_id),
        ],
    )


async def test_a_posting_is_recorded_once_per_idempotency_key(database: Database, merchant: Merchant) -> None:
    tenant = Tenant(merchant.id, False)
    async with database.transaction() as connection:
        assert await ledger.post(connection, grant(tenant, f"k1:{merchant.id}", 619)) is True
        assert await ledger.post(connection, grant(tenant, f"k1:{merchant.id}", 619)) is False
    async with database.transaction() as connection:
        assert await ledger.post(connection, grant(tenant, f"k1:{merchant.id}", 700)) is False
        assert await ledger.balances(connection, tenant) == {
            Account.CASHBACK_EXPENSE: 619, Account.CASHBACK_LIABILITY: -619
        }
        assert await ledger.balances(connection, Tenant(merchant.id, True)) == {}


async def test_an_unbalanced_posting_writes_nothing(database: Database, merchant: Merchant) -> None:
    tenant = Tenant(merchant.id, False)
    bad = ledger.Posting(
        tenant=tenant, kind=ledger.PostingKind.GROUP_SETTLED, idempotency_key=f"bad:{merchant.id}",
        entries=[ledger.Entry(Account.CASHBACK_EXPENSE, 100), ledger.Entry(Account.CASHBACK_LIABILITY, -99)],
    )
    unknown = ledger.Posting(
        tenant=tenant, kind=ledger.PostingKind.GROUP_SETTLED, idempotency_key=f"unknown:{merchant.id}",
        entries=[ledger.Entry("petty_cash", 100), ledger.Entry(Account.CASHBACK_LIABILITY, -100)],
    )
    empty = ledger.Posting(tenant=tenant, kind=ledger.PostingKind.GROUP_SETTLED, idempotency_key=f"empty:{merchant.id}",
                           entries=[ledger.Entry(Account.CASHBACK_EXPENSE, 0)])
    async with database.transaction() as connection:
        for posting in (bad, unknown, empty):
            with pytest.raises(UnbalancedPosting):
                await ledger.post(connection, posting)
        with pytest.raises(UnbalancedPosting):
            await ledger.post_many(connection, [grant(tenant, f"ok:{merchant.id}", 5), bad])
        assert await ledger.balances(connection, tenant) == {}


async def test_post_many_refuses_a_key_already_posted(database: Database, merchant: Merchant) -> None:
    tenant = Tenant(merchant.id, False)
    async with database.transaction() as connection:
        await ledger.post_many(connection, [grant(tenant, f"a:{merchant.id}", 10), grant(tenant, f"b:{merchant.id}", 20)])
    with pytest.raises(DuplicatePosting):
        async with database.transaction() as connection:
            await ledger.post_many(connection, [grant(tenant, f"c:{merchant.id}", 30), grant(tenant, f"a:{merchant.id}", 10)])
    async with database.transaction() as connection:
        assert await ledger.balance(connection, tenant, Account.CASHBACK_EXPENSE) == 30


async def test_a_correction_is_a_reversing_posting(database: Database, merchant: Merchant) -> None:
    tenant = Tenant(merchant.id, False)
    async with database.transaction() as connection:
        await ledger.post(connection, grant(tenant, f"g:{merchant.id}", 619, order_id="ord_a"))
        await ledger.post(connection, grant(tenant, f"h:{merchant.id}", 100, order_id="ord_b"))
        assert await ledger.reverse(connection, tenant, original_key=f"g:{merchant.id}",
                                    idempotency_key=f"g:{merchant.id}:reversal") is True
        assert await ledger.reverse(connection, tenant, original_key=f"g:{merchant.id}",
                                    idempotency_key=f"g:{merchant.id}:reversal") is False
        assert await ledger.balance(connection, tenant, Account.CASHBACK_LIABILITY, order_id="ord_a") == 0
        assert await ledger.balance(connection, tenant, Account.CASHBACK_LIABILITY, order_id="ord_b") == -100
        assert await ledger.balance(connection, tenant, Account.CASHBACK_EXPENSE) == 100
        with pytest.raises(LookupError):
            await ledger.reverse(connection, Tenant(merchant.id, True), original_key=f"h:{merchant.id}",
                                 idempotency_key=f"h:{merchant.id}:reversal")


async def test_the_audit_catches_a_liability_no_order_is_owed(database: Database, merchant: Merchant) -> None:
    tenant = Tenant(merchant.id, True)
    async with database.transaction() as connection:
        assert await audit.violations(connection, organization_id=merchant.id) == []
        await ledger.post(connection, grant(tenant, f"stray:{merchant.id}", 250, order_id="ord_nobody"))
        found = await audit.violations(connection, organization_id=merchant.id)
    assert any("no completed group of the tenant settled it" in line for line in found), found
    assert any("names ord_nobody, no order of" in line for line in found), found
    assert any("cashback_expense balance 250 but the orders and payouts make it 0" in line for line in found), found


def test_a_correction_is_the_original_kind_reversed_and_is_not_itself_corrected() -> None:
    assert ledger.PostingKind.CASHBACK_WITHDRAWN.reversal == "cashback.withdrawn.reversed"
    assert {kind.reversal for kind in ledger.PostingKind if not kind.endswith(".reversed")} == {
        kind for kind in ledger.PostingKind if kind.endswith(".reversed")
    }
    with pytest.raises(ValueError, match="itself a correction"):
        _ = ledger.PostingKind.GROUP_SETTLED_REVERSED.reversal
