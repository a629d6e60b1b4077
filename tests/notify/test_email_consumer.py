"""Shopper emails come from events: the consumer claims each event once, queues its emails in the same
transaction, issues the withdrawal token with the email that carries it, and a bad event costs only
its own emails. `kohort cashback resend-links` gives fresh links (old ones void)."""

from __future__ import annotations

import json

from sqlalchemy import select

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.events import service as events_service
from kohort.kit import clock
from kohort.kit.ids import hash_secret, new_id
from kohort.models import events
from kohort.notify.tasks import consume_new_events
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.cli.test_cli import kohort
from tests.factories.merchant import Merchant, unique_email
from tests.factories.referral_group import group_with_orders, order_rows
from tests.factories.withdrawal import links_in, settled_group
from tests.withdrawal.test_withdrawal import withdraw


async def _merchant_events(database: Database, merchant: Merchant) -> list[dict]:
    async with database.transaction() as connection:
        rows = (await connection.execute(select(events).where(events.c.organization_id == merchant.id))).mappings()
        return [dict(row) for row in rows]


async def test_a_second_consumer_skips_the_events_the_first_holds(
    postgres_only: str, database: Database, merchant: Merchant
) -> None:
    await group_with_orders(merchant, [3000, 4000])
    mine = {row["id"] for row in await _merchant_events(database, merchant)}
    async with database.transaction() as first:
        taken_first = {event.id for event in await events_service.claim_new(first, limit=100_000)}
        # While the first holds its claim (uncommitted), a second consumer takes none of those events.
        async with database.transaction() as second:
            taken_second = {event.id for event in await events_service.claim_new(second, limit=100_000)}
    assert mine <= taken_first
    assert not taken_first & taken_second
    async with database.transaction() as third:  # once committed, nothing is left to take
        assert not mine & {event.id for event in await events_service.claim_new(third, limit=100_000)}


async def test_the_link_is_issued_with_its_email_once_and_no_event_holds_it(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    rows = await order_rows(database, [order["id"] for order in placed])
    for order, row in zip(placed, rows, strict=True):
        assert [link.order_id for link in links_in(outbox, order["customerEmail"])] == [order["id"]]
        assert row["withdrawal_token_hash"] == hash_secret(order["link"].token)
    stored = json.dumps([{**row, "created_at": None, "dispatched_at": None, "notified_at": None}
                         for row in await _merchant_events(database, merchant)])
    assert '"order.cashback_available"' in stored
    for order in placed:
        assert order["link"].token not in stored
        assert hash_secret(order["link"].token) not in stored

    await Runner(runtime, batch_size=100).drain()  # again: nothing new to send, no token replaced
    assert await order_rows(database, [order["id"] for order in placed]) == rows
    assert len(links_in(outbox, placed[0]["customerEmail"])) == 1
    assert (await withdraw(merchant, placed[0]["link"])).status_code == 201


async def test_a_bad_event_costs_only_its_own_emails(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    await Runner(runtime, batch_size=100).drain()  # earlier tests' events: this batch holds only ours
    group_id, (owner,) = await group_with_orders(merchant, [3000])
    async with database.transaction() as connection:  # data no code path writes: a join without its count
        await connection.execute(events.insert().values(
            id=new_id("evt"), organization_id=merchant.id, livemode=False, type="payment_group.joined",
            api_version="2025-01-01", created_at=clock.now(), data={"id": group_id}, refs={"order_id": owner["id"]},
        ))
    friend = unique_email()
    await merchant.order(amount=5000, email=friend, share_code=owner["paymentGroupShareId"])

    assert await consume_new_events(runtime, batch_size=100) > 0  # one batch: the bad event and the good ones
    await Runner(runtime, batch_size=100).drain()

    assert [email.subject for email in outbox.sent if email.to == friend] == ["Tu as déjà débloqué 2,50\xa0€ de cashback"]
    assert len([email for email in outbox.sent if email.to == owner["customerEmail"]]) == 2  # created, new level
    assert all(row["notified_at"] is not None for row in await _merchant_events(database, merchant))


async def test_resend_links_gives_fresh_links_and_voids_the_old_ones(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000, 5000])
    old = [order["link"] for order in placed]
    assert (await withdraw(merchant, old[2])).status_code == 201  # withdrawn: nothing waits for this one

    result = kohort(database.url, "cashback", "resend-links", "--group", placed[0]["paymentGroupId"])
    assert result.returncode == 0, result.stderr
    assert "Issuing fresh withdrawal links" in result.stderr  # the progress bar
    assert "2 order(s) with cashback waiting; 2 withdrawal email(s) queued" in result.stdout
    await Runner(runtime, batch_size=100).drain()

    fresh = [links_in(outbox, order["customerEmail"])[-1] for order in placed[:2]]
    assert [link.token for link in fresh] != [link.token for link in old[:2]]
    assert len(links_in(outbox, placed[2]["customerEmail"])) == 1
    for stale in old[:2]:
        assert (await withdraw(merchant, stale)).status_code == 400
    assert (await withdraw(merchant, fresh[0])).status_code == 201

    again = kohort(database.url, "cashback", "resend-links", "--order", placed[1]["id"])
    assert "1 order(s) with cashback waiting; 1 withdrawal email(s) queued" in again.stdout
    await Runner(runtime, batch_size=100).drain()
    assert (await withdraw(merchant, fresh[1])).status_code == 400
    assert (await withdraw(merchant, links_in(outbox, placed[1]["customerEmail"])[-1])).status_code == 201


def test_resend_links_wants_exactly_one_choice(database: Database) -> None:
    for args in ([], ["--order", "ord_1", "--group", "grp_1"]):
        result = kohort(database.url, "cashback", "resend-links", *args)
        assert result.returncode == 2
        assert "exactly one of --order, --group, --since" in result.stderr
    bad_date = kohort(database.url, "cashback", "resend-links", "--since", "yesterday")
    assert bad_date.returncode == 2
    since = kohort(database.url, "cashback", "resend-links", "--since", "2999-01-01")
    assert since.returncode == 0, since.stderr
    assert "0 order(s) with cashback waiting" in since.stdout
