"""Issue 10's worked examples as tables: every row gives the orders' amounts in cents, the refunds and when
they come, and what each order's cashback and fee, and the merchant's books, are afterwards. The ledger
audit (`kohort.ledger.audit.violations`, asserted by `books`) must find nothing wrong after each.

(a) a refund before the end that drops the level; (b) a refund during the hold that drops the level for
every member; (c) a partial refund after the hold (only the refunder changes); (d) a refund after the
payout → a receivable on the shopper (`cashbackOwed`) → netted on their next cashback → owed back to 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant, unique_email
from tests.factories.referral_group import books, end_now, group_with_orders, set_settings
from tests.factories.refund import order, refund
from tests.factories.withdrawal import GOOD_IBAN, links_in, set_payout_account

LADDER = [{"participantsToUnlock": 2, "value": 5}, {"participantsToUnlock": 3, "value": 10},
          {"participantsToUnlock": 4, "value": 15}]


@dataclass(frozen=True)
class Example:
    hold_days: int
    amounts: list[int]
    # (index of the order, cents or None for all that is left), before the group ends.
    before_end: list[tuple[int, int | None]] = field(default_factory=list)
    # The same, once the group completed: during the hold, or after it when `release` is set.
    after_end: list[tuple[int, int | None]] = field(default_factory=list)
    release: bool = False
    # Expected afterwards.
    status: str = "CASHBACK_AVAILABLE"
    cashback: list[int] = field(default_factory=list)
    fees: list[int] = field(default_factory=list)
    books: dict[str, int] = field(default_factory=dict)


EXAMPLES = {
    # (a) Carol refunded in full before the end: two participants, 5 %; her fee is gone.
    "a-before-end-full": Example(
        hold_days=0, amounts=[10_000, 10_000, 10_000], before_end=[(2, None)],
        cashback=[500, 500, 0], fees=[0, 1_200, 0],
        books={"cashback_expense": 1_000, "cashback_liability": -1_000, "acquisition_fee_expense": 1_200,
               "platform_fees_payable": -1_200},
    ),
    # (a) Dan refunded in full: three left, 15 % → 10 %; Carol's partial refund keeps her seat, her
    # cashback and fee follow her net 60.00.
    "a-before-end-drops-a-level": Example(
        hold_days=0, amounts=[10_000, 10_000, 10_000, 10_000], before_end=[(3, None), (2, 4_000)],
        cashback=[1_000, 1_000, 600, 0], fees=[0, 1_200, 720, 0],
        books={"cashback_expense": 2_600, "cashback_liability": -2_600, "acquisition_fee_expense": 1_920,
               "platform_fees_payable": -1_920},
    ),
    # (b) During the hold Carol is refunded in full: 10 % → 5 % for everyone, the ledger takes the difference.
    "b-during-hold-drops-the-level-for-all": Example(
        hold_days=14, amounts=[10_000, 10_000, 10_000], after_end=[(2, None)], status="CASHBACK_PENDING",
        cashback=[500, 500, 0], fees=[0, 1_200, 0],
        books={"cashback_expense": 1_000, "cashback_liability": -1_000, "acquisition_fee_expense": 1_200,
               "platform_fees_payable": -1_200},
    ),
    # (b) A partial refund during the hold keeps the level; only Bob's cashback and fee follow his net.
    "b-during-hold-partial": Example(
        hold_days=14, amounts=[10_000, 10_000, 10_000], after_end=[(1, 4_000)], status="CASHBACK_PENDING",
        cashback=[1_000, 600, 1_000], fees=[0, 720, 1_200],
        books={"cashback_expense": 2_600, "cashback_liability": -2_600, "acquisition_fee_expense": 1_920,
               "platform_fees_payable": -1_920},
    ),
    # (c) After the hold a partial refund changes only the refunder (the level stays 10 %).
    "c-after-hold-partial": Example(
        hold_days=14, amounts=[10_000, 10_000, 10_000], after_end=[(0, 4_000)], release=True,
        cashback=[600, 1_000, 1_000], fees=[0, 1_200, 1_200],
        books={"cashback_expense": 2_600, "cashback_liability": -2_600, "acquisition_fee_expense": 2_400,
               "platform_fees_payable": -2_400},
    ),
    # (c) After the hold even a full refund leaves the others their 10 %.
    "c-after-hold-full": Example(
        hold_days=14, amounts=[10_000, 10_000, 10_000], after_end=[(2, None), (1, 5_000)], release=True,
        cashback=[1_000, 500, 0], fees=[0, 600, 0],
        books={"cashback_expense": 1_500, "cashback_liability": -1_500, "acquisition_fee_expense": 600,
               "platform_fees_payable": -600},
    ),
}


@pytest.mark.parametrize("example", EXAMPLES.values(), ids=EXAMPLES.keys())
async def test_worked_example(database: Database, merchant: Merchant, example: Example) -> None:
    await set_settings(merchant, discountLevels=LADDER, maxParticipants=10, cashbackHoldDays=example.hold_days)
    group_id, placed = await group_with_orders(merchant, example.amounts)
    for index, amount in example.before_end:
        await refund(merchant, placed[index]["id"], amount)
    await end_now(merchant, group_id)
    if example.release:
        released = await merchant.post(f"/test-helpers/groups/{group_id}/release-cashback")
        assert released.status_code == 200, released.text
    for index, amount in example.after_end:
        await refund(merchant, placed[index]["id"], amount)

    final = [await order(merchant, item["id"]) for item in placed]
    assert [item["amountCashback"] for item in final] == example.cashback
    assert [item["applicationFeeAmount"] for item in final] == example.fees
    assert {item["status"] for item in final} == {example.status}
    assert {key: value for key, value in (await books(database, merchant)).items() if value} == example.books


# --- (d) a refund after the payout: receivable, netted on the next cashback -----------------------------


async def _paid_cashback(runtime: Runtime, merchant: Merchant, outbox: MemorySender, email: str) -> dict[str, Any]:
    """`email`'s order of 100.00 in a completed two-order group at 10 %, its cashback (10.00) withdrawn
    and the transfer confirmed."""
    owner = await merchant.order(amount=10_000, email=email)
    await merchant.order(amount=10_000, share_code=owner["paymentGroupShareId"])
    await end_now(merchant, owner["paymentGroupId"])
    await Runner(runtime, batch_size=100).drain()
    link = links_in(outbox, email)[-1]
    assert link.order_id == owner["id"]
    withdrawn = await merchant.client.post("/withdrawals", json={
        "orderId": link.order_id, "token": link.token, "iban": GOOD_IBAN, "holderName": "Ann Lee"})
    assert withdrawn.status_code in (200, 201), withdrawn.text
    batch = await merchant.post("/payout-batches")
    assert batch.status_code == 201, batch.text
    confirmed = await merchant.post(f"/payout-batches/{batch.json()['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    return await order(merchant, owner["id"])


async def _owed(merchant: Merchant, customer_id: str) -> int:
    response = await merchant.get(f"/customers/{customer_id}")
    assert response.status_code == 200, response.text
    owed = response.json()["cashbackOwed"]
    listed = {item["id"]: item["cashbackOwed"] for item in (await merchant.get("/customers")).json()["data"]}
    assert listed[customer_id] == owed
    legacy = await merchant.get(f"/customers/{customer_id}", headers={"Kohort-Version": "2024-01-01"})
    assert legacy.json()["cashback_owed"] == owed
    return int(owed)


NETTING = {
    # Refunded 40.00 of 100.00 after being paid 10.00: owes 4.00; the next cashback (5.00) pays it, 1.00 left.
    "partial-debt-netted-whole": (4_000, 400, {"shown": 100, "netted": 400, "owed": 0}),
    # Refunded in full after being paid 10.00: owes 10.00; the next cashback (5.00) pays half, nothing left
    # to withdraw, and the rest stays owed.
    "whole-debt-netted-in-part": (10_000, 1_000, {"shown": 0, "netted": 500, "owed": 500}),
}


@pytest.mark.parametrize(("refunded", "owed_after_refund", "after_netting"), NETTING.values(), ids=NETTING.keys())
async def test_d_a_refund_after_payout_is_owed_then_netted_on_the_next_cashback(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender, refunded: int,
    owed_after_refund: int, after_netting: dict[str, int],
) -> None:
    await set_payout_account(merchant)
    await set_settings(merchant, discountLevels=[{"participantsToUnlock": 2, "value": 10}], maxParticipants=10)
    ann = unique_email("ann")
    paid = await _paid_cashback(runtime, merchant, outbox, ann)
    assert (paid["status"], paid["amountCashback"]) == ("CASHBACK_SENT", 1_000)
    assert await _owed(merchant, paid["customerId"]) == 0

    await refund(merchant, paid["id"], refunded)
    after_refund = await order(merchant, paid["id"])
    assert (after_refund["status"], after_refund["amountCashback"]) == ("CASHBACK_SENT", 1_000)  # what was paid
    assert await _owed(merchant, paid["customerId"]) == owed_after_refund
    assert (await books(database, merchant))["cashback_receivable"] == owed_after_refund

    # Ann's next cashback with this merchant: 10 % of 50.00 = 5.00, her debt deducted first.
    links_before = len(links_in(outbox, ann))
    second = await merchant.order(amount=5_000, email=ann)
    friend = await merchant.order(amount=5_000, share_code=second["paymentGroupShareId"])
    await end_now(merchant, second["paymentGroupId"])
    await Runner(runtime, batch_size=100).drain()
    netted = await order(merchant, second["id"])
    assert (netted["amountCashback"], netted["cashbackNetted"]) == (after_netting["shown"], after_netting["netted"])
    assert (await order(merchant, friend["id"]))["amountCashback"] == 500  # the friend owes nothing
    assert await _owed(merchant, paid["customerId"]) == after_netting["owed"]
    balances = await books(database, merchant)
    assert balances["cashback_receivable"] == after_netting["owed"]
    assert balances["cashback_liability"] == -(1_000 + after_netting["shown"] + 500)  # Bob, Ann's rest, the friend
    assert balances["cashback_expense"] == 2_000 - owed_after_refund + 1_000

    # The email tells what can be withdrawn; netted to nothing, there is no link to send.
    new_links = links_in(outbox, ann)[links_before:]
    if after_netting["shown"]:
        assert [link.order_id for link in new_links] == [second["id"]]
        available = [email for email in outbox.sent if email.to == ann and second["id"] in email.text][-1]
        # Earned 5.00, 4.00 of it paid her debt, 1.00 to withdraw: the email says all three, truthfully.
        assert "vous a fait gagner 5,00\u00a0€ de cashback, dont 4,00\u00a0€" in available.text
        assert "les 1,00\u00a0€ restants" in available.text
    else:
        assert new_links == []

    # Released once: running the worker again nets nothing more.
    await Runner(runtime, batch_size=100).drain()
    assert (await order(merchant, second["id"]))["cashbackNetted"] == after_netting["netted"]
    assert (await books(database, merchant))["cashback_receivable"] == after_netting["owed"]

    # The second order returned in full: the cashback that paid her debt is not due any more, so the debt
    # is back whole (and nothing is left to withdraw).
    await refund(merchant, second["id"])
    returned = await order(merchant, second["id"])
    assert (returned["amountCashback"], returned["cashbackNetted"]) == (0, after_netting["netted"])
    assert await _owed(merchant, paid["customerId"]) == owed_after_refund
    assert (await books(database, merchant))["cashback_receivable"] == owed_after_refund


async def test_d_a_held_cashback_is_netted_when_its_hold_ends(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    await set_payout_account(merchant)
    await set_settings(merchant, discountLevels=[{"participantsToUnlock": 2, "value": 10}], maxParticipants=10)
    ann = unique_email("ann")
    paid = await _paid_cashback(runtime, merchant, outbox, ann)
    await refund(merchant, paid["id"], 4_000)

    await set_settings(merchant, cashbackHoldDays=14)
    second = await merchant.order(amount=5_000, email=ann)
    await merchant.order(amount=5_000, share_code=second["paymentGroupShareId"])
    await end_now(merchant, second["paymentGroupId"])
    held = await order(merchant, second["id"])
    # Held: nothing netted yet, the debt still shows.
    assert (held["status"], held["amountCashback"], held["cashbackNetted"]) == ("CASHBACK_PENDING", 500, 0)
    assert await _owed(merchant, paid["customerId"]) == 400

    released = await merchant.post(f"/test-helpers/groups/{second['paymentGroupId']}/release-cashback")
    assert released.status_code == 200, released.text
    netted = await order(merchant, second["id"])
    assert (netted["status"], netted["amountCashback"], netted["cashbackNetted"]) == ("CASHBACK_AVAILABLE", 100, 400)
    assert await _owed(merchant, paid["customerId"]) == 0
    assert (await books(database, merchant))["cashback_receivable"] == 0
