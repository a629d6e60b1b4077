"""A refund racing, across processes on PostgreSQL, (i) the group's end, (ii) the hold's end sweep, (iii) a
withdrawal of the same order, (iv) another refund of the same order (issue 10). The refunds go through a
real `kohort serve` with two worker processes; the other side goes through the same server or, for the
sweep, through this process's own connection. Each race is run ROUNDS times; every round must end in one
of the consistent outcomes, with nothing refunded beyond the order, no cashback paid beyond what is due,
and the ledger audit clean."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from kohort.cashback import service as cashback_service
from kohort.db import Database
from kohort.kit import clock
from kohort.models import payment_groups, payouts
from kohort.referral_group import settlement
from kohort.tenant import Tenant
from tests.factories.merchant import Merchant, unique_email
from tests.factories.referral_group import books, end_now, group_with_orders, set_settings
from tests.factories.refund import order, refund
from tests.factories.server import running_server
from tests.factories.withdrawal import GOOD_IBAN, set_payout_account

pytestmark = pytest.mark.usefixtures("postgres_only")
ROUNDS = 20
LADDER = [{"participantsToUnlock": 2, "value": 5}, {"participantsToUnlock": 3, "value": 10}]


@pytest.fixture(scope="module")
async def server(database: Database, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """Two server processes (one `kohort serve --workers 2`), no embedded worker, on the test database."""
    log_path = tmp_path_factory.mktemp("refund-races") / "server.log"
    env = {"KOHORT_DATABASE_URL": database.url}
    async with running_server(env, workers=2, embedded_worker=False, log_path=log_path) as base_url:
        yield base_url


@pytest.fixture
async def remote(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        yield client


def _auth(merchant: Merchant) -> dict[str, str]:
    return merchant.headers()


async def _remote_refund(remote: httpx.AsyncClient, merchant: Merchant, order_id: str,
                         amount: int | None = None) -> httpx.Response:
    body = {"amount": amount} if amount is not None else {}
    return await remote.post(f"/orders/{order_id}/refunds", json=body, headers=_auth(merchant))


async def _cashback(merchant: Merchant, placed: list[dict[str, Any]]) -> list[int]:
    return [(await order(merchant, item["id"]))["amountCashback"] for item in placed]


async def test_a_refund_racing_the_group_end(
    database: Database, merchant: Merchant, remote: httpx.AsyncClient
) -> None:
    await set_settings(merchant, discountLevels=LADDER, maxParticipants=10, cashbackHoldDays=0)
    seen = set()
    for _ in range(ROUNDS):
        group_id, placed = await group_with_orders(merchant, [10_000, 10_000, 10_000])
        refunded, ended = await asyncio.gather(
            _remote_refund(remote, merchant, placed[2]["id"]),
            remote.post(f"/test-helpers/groups/{group_id}/end", headers=_auth(merchant)),
        )
        assert (refunded.status_code, ended.status_code) == (201, 200), (refunded.text, ended.text)
        cashback = await _cashback(merchant, placed)
        # Refund first: two participants at 5 %. End first: 10 % each, then the refund takes Carol's own.
        assert cashback in ([500, 500, 0], [1_000, 1_000, 0])
        seen.add(tuple(cashback))
    await books(database, merchant)
    assert seen  # which interleavings happened depends on the machine; each one is consistent


async def test_a_refund_racing_the_hold_end_sweep(
    database: Database, merchant: Merchant, remote: httpx.AsyncClient
) -> None:
    await set_settings(merchant, discountLevels=LADDER, maxParticipants=10, cashbackHoldDays=14)
    for _ in range(ROUNDS):
        group_id, placed = await group_with_orders(merchant, [10_000, 10_000, 10_000])
        await end_now(merchant, group_id)
        async with database.transaction() as connection:  # the hold is over: the sweep will find it due
            await connection.execute(update(payment_groups).where(payment_groups.c.id == group_id)
                                     .values(cashback_available_at=clock.now() - timedelta(seconds=1)))

        async def sweep(delay: float = 0.0) -> int:
            await asyncio.sleep(delay)
            async with database.transaction() as connection:
                return await settlement.release_due_holds(connection, now=clock.now(), limit=100)

        # This process's sweep starts sooner than a request to the server is served: a varying head start
        # for the refund lets either one take the group first.
        refunded, _ = await asyncio.gather(_remote_refund(remote, merchant, placed[2]["id"]),
                                           sweep(random.uniform(0, 0.03)))
        assert refunded.status_code == 201, refunded.text
        await sweep()  # a group the refund held was skipped: the next sweep releases it
        final = [await order(merchant, item["id"]) for item in placed]
        assert {item["status"] for item in final} == {"CASHBACK_AVAILABLE"}
        # Refund during the hold: everyone drops to 5 %. After it: only Carol's own cashback goes.
        assert [item["amountCashback"] for item in final] in ([500, 500, 0], [1_000, 1_000, 0])
        async with database.transaction() as connection:
            released_at = (await connection.execute(select(payment_groups.c.cashback_released_at)
                                                    .where(payment_groups.c.id == group_id))).scalar_one()
        assert released_at is not None
    await books(database, merchant)


async def test_a_refund_racing_a_withdrawal_of_the_same_order(
    database: Database, merchant: Merchant, remote: httpx.AsyncClient
) -> None:
    await set_payout_account(merchant)
    await set_settings(merchant, discountLevels=[{"participantsToUnlock": 2, "value": 10}], maxParticipants=10,
                       cashbackHoldDays=0)
    for _ in range(ROUNDS):
        group_id, (owner, _friend) = await group_with_orders(merchant, [10_000, 10_000])
        await end_now(merchant, group_id)
        async with database.transaction() as connection:
            tokens = await cashback_service.issue_withdrawal_tokens(connection, [owner["id"]], now=clock.now())
        withdrawn, refunded = await asyncio.gather(
            remote.post("/withdrawals", json={"orderId": owner["id"], "token": tokens[owner["id"]], "iban": GOOD_IBAN,
                                              "holderName": "Ann Lee"}),
            _remote_refund(remote, merchant, owner["id"], 4_000),
        )
        assert withdrawn.status_code == 201, withdrawn.text
        assert refunded.status_code == 201, refunded.text
        async with database.transaction() as connection:
            paid = (await connection.execute(select(payouts.c.amount)
                                             .where(payouts.c.order_id == owner["id"]))).scalar_one()
        owed = (await merchant.get(f"/customers/{owner['customerId']}")).json()["cashbackOwed"]
        # Refund first: 6.00 left to withdraw, nothing owed. Withdrawal first: the pending payout (never
        # edited) pays 10.00 and the shopper owes 4.00 back. Either way, net of the debt, 6.00 is paid.
        assert (paid, owed) in ((600, 0), (1_000, 400))
        assert (await order(merchant, owner["id"]))["status"] == "CASHBACK_PROCESSING"
    await books(database, merchant)


async def test_two_refunds_of_the_same_order_racing(
    database: Database, merchant: Merchant, remote: httpx.AsyncClient
) -> None:
    await set_settings(merchant, discountLevels=[{"participantsToUnlock": 2, "value": 10}], maxParticipants=10,
                       cashbackHoldDays=0)
    for _ in range(ROUNDS):
        group_id, placed = await group_with_orders(merchant, [10_000, 10_000])
        await end_now(merchant, group_id)
        responses = await asyncio.gather(*(_remote_refund(remote, merchant, placed[1]["id"], 6_000) for _ in range(2)))
        codes = sorted(response.status_code for response in responses)
        assert codes == [201, 400], [response.text for response in responses]
        refused = next(response for response in responses if response.status_code == 400)
        assert refused.json()["error"]["code"] == "REFUND_EXCEEDS_AMOUNT"
        after = await order(merchant, placed[1]["id"])
        assert (after["amountRefunded"], after["amountCashback"]) == (6_000, 400)
        assert await _cashback(merchant, placed[:1]) == [1_000]
    await books(database, merchant)


async def test_two_releases_for_one_indebted_shopper_net_the_debt_once(
    database: Database, merchant: Merchant
) -> None:
    """Two held groups of the same shopper released at once (two sweeps): her debt is deducted once, from
    whichever release locks her first, the rest from the other."""
    await set_payout_account(merchant)
    await set_settings(merchant, discountLevels=[{"participantsToUnlock": 2, "value": 10}], maxParticipants=10,
                       cashbackHoldDays=0)
    tenant = Tenant(merchant.id, False)
    for _ in range(ROUNDS // 2):
        ann = unique_email("ann")
        first, _ = await group_with_orders_of(merchant, ann, 10_000)
        await end_now(merchant, first["paymentGroupId"])
        async with database.transaction() as connection:
            tokens = await cashback_service.issue_withdrawal_tokens(connection, [first["id"]], now=clock.now())
        withdrawn = await merchant.client.post("/withdrawals", json={
            "orderId": first["id"], "token": tokens[first["id"]], "iban": GOOD_IBAN, "holderName": "Ann Lee"})
        assert withdrawn.status_code == 201, withdrawn.text
        await refund(merchant, first["id"], 7_000)  # paid 10.00 in a transfer under way, 3.00 due: owes 7.00

        await set_settings(merchant, cashbackHoldDays=14)
        second, _ = await group_with_orders_of(merchant, ann, 5_000)  # 5.00 each
        third, _ = await group_with_orders_of(merchant, ann, 5_000)
        for placed in (second, third):
            await end_now(merchant, placed["paymentGroupId"])
        await set_settings(merchant, cashbackHoldDays=0)

        async def release(group_id: str) -> None:
            async with database.transaction() as connection:
                await settlement.release_group_now(connection, tenant, group_id, now=clock.now())

        await asyncio.gather(release(second["paymentGroupId"]), release(third["paymentGroupId"]))
        released = [await order(merchant, placed["id"]) for placed in (second, third)]
        assert sorted(item["cashbackNetted"] for item in released) == [200, 500]  # 7.00 owed: 5.00, then 2.00
        assert sorted(item["amountCashback"] for item in released) == [0, 300]
        assert (await merchant.get(f"/customers/{first['customerId']}")).json()["cashbackOwed"] == 0
    assert (await books(database, merchant))["cashback_receivable"] == 0


async def group_with_orders_of(merchant: Merchant, email: str, amount: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A group opened by `email`'s order of `amount`, joined by a friend's of the same amount."""
    owner = await merchant.order(amount=amount, email=email)
    friend = await merchant.order(amount=amount, share_code=owner["paymentGroupShareId"])
    return owner, friend
