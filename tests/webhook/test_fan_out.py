"""One claim of each event serves both consumers, and the fan-out hands the deliveries it inserts claimed to
this process's sender: sent once the claim commits, with no second claim; what does not fit its free slots
waits for any sender. An outcome counts only under the lease it was sent under."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.events import service as events_service
from kohort.kit import clock
from kohort.kit.clock import FrozenClock
from kohort.models import events, webhook_deliveries
from kohort.notify.tasks import consume_new_events, email_fanned_out_events
from kohort.runtime import Runtime
from kohort.webhook import delivery, sender, service
from kohort.webhook.delivery import DeliveryPump, outcome
from kohort.webhook.domain import Delivery, Outcome
from kohort.webhook.tasks import pump_for
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant, unique_email
from tests.factories.receiver import running_receiver


@pytest.fixture
async def pump(runtime: Runtime) -> AsyncIterator[DeliveryPump]:
    opened = pump_for(runtime)
    await Runner(runtime, batch_size=100).drain()  # earlier tests' events: the batches below hold only ours
    await opened.wait_idle()
    yield opened
    await opened.wait_idle()


async def _deliveries(database: Database, organization_id: str) -> list[dict[str, Any]]:
    async with database.transaction() as connection:
        rows = await connection.execute(
            select(webhook_deliveries).where(webhook_deliveries.c.organization_id == organization_id))
        return [dict(row) for row in rows.mappings()]


async def _endpoint(merchant: Merchant, url: str) -> str:
    response = await merchant.post("/webhook-endpoints", json={"url": url})
    assert response.status_code == 201, response.text
    return str(response.json()["secret"])


async def test_the_fan_out_hands_its_deliveries_to_this_process_without_a_second_claim(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump
) -> None:
    async with running_receiver() as receiver:
        secret = await _endpoint(merchant, receiver.url)
        await merchant.order()
        assert await consume_new_events(runtime, batch_size=500) >= 2
        inserted = await _deliveries(database, merchant.id)
        assert len(inserted) == 2
        assert all(row["locked_until"] is not None for row in inserted)  # claimed by their insert
        await pump.wait_idle()  # no claim: the sends were started by the fan-out
    assert sorted(Webhook(secret).verify(item.body, item.headers)["type"] for item in receiver.received) == [
        "order.created", "payment_group.created"]
    done = await _deliveries(database, merchant.id)
    assert [(row["status"], row["attempts"], row["locked_until"]) for row in done] == [("succeeded", 1, None)] * 2


async def test_deliveries_beyond_the_senders_free_slots_wait_for_any_sender(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump
) -> None:
    async with running_receiver(delay=0.5) as receiver:
        await _endpoint(merchant, receiver.url)
        await merchant.order()
        pump.concurrency = 1
        try:
            await consume_new_events(runtime, batch_size=500)
            assert sorted(row["locked_until"] is None for row in await _deliveries(database, merchant.id)) == [
                False, True]
        finally:
            pump.concurrency = 32
        await pump.drain()
    assert len(receiver.received) == 2
    assert len({item.headers["webhook-id"] for item in receiver.received}) == 2  # each event once
    assert [row["status"] for row in await _deliveries(database, merchant.id)] == ["succeeded"] * 2


async def test_an_outcome_counts_only_under_the_lease_it_was_sent_under(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump
) -> None:
    await _endpoint(merchant, "http://127.0.0.1:9/hooks")
    await merchant.order()
    now = clock.now()
    ours, theirs = now + timedelta(seconds=60), now + timedelta(seconds=61)
    pump.concurrency = 0  # nothing handed: the deliveries wait for a claim
    try:
        await consume_new_events(runtime, batch_size=500)
    finally:
        pump.concurrency = 32
    rows = await _deliveries(database, merchant.id)
    kept, lost = (Delivery.from_row(tuple(row.values())) for row in rows)
    async with database.transaction() as connection:  # another sender took `lost` over
        await connection.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == kept.id)
                                 .values(locked_until=ours))
        await connection.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == lost.id)
                                 .values(locked_until=theirs))
    attempt = sender.Attempt(succeeded=True, status_code=204, duration_ms=3, response="")
    async with database.transaction() as connection:
        taken_over = await service.record_attempts(connection, [
            Outcome(item, ours, outcome(item, attempt, now=now), real=True) for item in (kept, lost)])
    assert taken_over == [lost.id]
    after = {row["id"]: row for row in await _deliveries(database, merchant.id)}
    assert (after[kept.id]["status"], after[kept.id]["attempts"], after[kept.id]["locked_until"]) == (
        "succeeded", 1, None)
    assert (after[lost.id]["status"], after[lost.id]["attempts"], after[lost.id]["locked_until"]) == (
        "pending", 0, theirs)
    async with database.transaction() as connection:
        await connection.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == lost.id)
                                 .values(status="failed", next_attempt_at=None))


async def test_events_one_consumer_handled_alone_are_finished_by_the_other_once(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender, pump: DeliveryPump
) -> None:
    """Before one claim served both consumers, each claimed events apart: an event may have been emailed and
    not fanned out, or the reverse. Each gets only what it lacks."""
    async with running_receiver() as receiver:
        await _endpoint(merchant, receiver.url)
        emailed_only, fanned_out_only = unique_email(), unique_email()
        await merchant.order(email=emailed_only)
        async with database.transaction() as connection:
            await connection.execute(update(events).where(events.c.organization_id == merchant.id)
                                     .values(notified_at=clock.now()))
        await merchant.order(email=fanned_out_only)
        async with database.transaction() as connection:
            await connection.execute(update(events).where(events.c.organization_id == merchant.id,
                                                          events.c.dispatched_at.is_(None),
                                                          events.c.notified_at.is_(None))
                                     .values(dispatched_at=clock.now()))
        assert await consume_new_events(runtime, batch_size=500) == 2  # the emailed-only order's events
        assert await email_fanned_out_events(runtime, batch_size=500) == 2
        assert await email_fanned_out_events(runtime, batch_size=500) == 0
        await Runner(runtime, batch_size=100).drain()
        await pump.wait_idle()
    assert [email.to for email in outbox.sent if email.to in (emailed_only, fanned_out_only)] == [fanned_out_only]
    assert len(receiver.received) == 2  # the emailed-only order's events, once each
    async with database.transaction() as connection:
        rows = (await connection.execute(select(events).where(events.c.organization_id == merchant.id))).mappings()
        assert all(row["notified_at"] is not None and row["dispatched_at"] is not None for row in rows)


async def test_deliveries_whose_claim_took_long_to_commit_are_left_to_the_next_claim(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump, frozen_clock: FrozenClock
) -> None:
    """A send must not outlast its lease: if the fan-out's transaction committed with less than half the
    lease left, this process does not send; any sender claims the deliveries once the lease has ended."""
    async with running_receiver() as receiver:
        await _endpoint(merchant, receiver.url)
        await merchant.order()
        async with database.transaction() as connection:
            claimed = await events_service.claim_new(connection, limit=500)
            leased = await service.fan_out(connection, claimed, lease_until=clock.now() + delivery.LEASE,
                                           leased=pump.free_slots)
        assert len(leased) == 2
        frozen_clock.advance(delivery.LEASE * 0.6)  # the commit came late
        pump.start(leased)
        await pump.wait_idle()
        assert receiver.received == []
        assert await pump.pump(limit=100) == 0  # still leased
        frozen_clock.advance(delivery.LEASE * 0.5)
        await pump.drain()
    assert len(receiver.received) == 2
    assert [(row["status"], row["attempts"]) for row in await _deliveries(database, merchant.id)] == [
        ("succeeded", 1)] * 2
