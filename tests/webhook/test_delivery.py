"""Deliveries to a real HTTP receiver on a loopback port, signed per Standard Webhooks and verified with
the reference `standardwebhooks` package: retries, rotation, replay, and isolation between merchants."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.http.versions import LEGACY_VERSION
from kohort.kit import clock
from kohort.kit.clock import FrozenClock
from kohort.models import webhook_deliveries, webhook_endpoints
from kohort.notify.tasks import consume_new_events
from kohort.runtime import Runtime
from kohort.webhook import delivery, sender
from kohort.webhook.delivery import DeliveryPump
from kohort.webhook.tasks import pump_for
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant, create_merchant, unique_email
from tests.factories.receiver import Receiver, running_receiver


@pytest.fixture
async def pump(database: Database, runtime: Runtime) -> AsyncIterator[DeliveryPump]:
    # The process's own sender: the fan-out hands it the deliveries it inserts claimed.
    opened = pump_for(runtime)
    yield opened
    await opened.wait_idle()
    # A delivery left pending would be retried later by another test's sender, to a loopback port the
    # system may by then have given to that test's receiver.
    async with database.transaction() as connection:
        await connection.execute(update(webhook_deliveries).where(webhook_deliveries.c.status == "pending")
                                 .values(status="failed", next_attempt_at=None))


async def endpoint(merchant: Merchant, url: str, **fields: Any) -> dict[str, Any]:
    response = await merchant.post("/webhook-endpoints", json={"url": url, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def deliver(runtime: Runtime, pump: DeliveryPump) -> None:
    """Fan out every recorded event, then send everything due until nothing is."""
    while await consume_new_events(runtime, batch_size=500):
        pass
    await pump.drain()


async def deliveries(merchant: Merchant, endpoint_id: str) -> list[dict[str, Any]]:
    response = await merchant.get(f"/webhook-endpoints/{endpoint_id}/deliveries")
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def verified(secret: str, received: Any) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return payload


async def test_an_order_reaches_the_receiver_signed_as_the_event_api_shows_it(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump
) -> None:
    async with running_receiver() as receiver:
        created = await endpoint(merchant, receiver.url)
        only_groups = await endpoint(merchant, receiver.url.replace("/hooks", "/groups"),
                                     enabledEvents=["payment_group.created"])
        order = await merchant.order()
        await deliver(runtime, pump)
    hooks = [item for item in receiver.received if item.path == "/hooks"]
    assert sorted(verified(str(created["secret"]), item)["type"] for item in hooks) == [
        "order.created", "payment_group.created"]
    [group_hook] = [item for item in receiver.received if item.path == "/groups"]
    assert verified(str(only_groups["secret"]), group_hook)["data"]["object"]["id"] == order["paymentGroupId"]
    for item in hooks:
        payload = orjson.loads(item.body)
        assert item.headers["webhook-id"] == payload["id"]  # receivers deduplicate on the event id
        assert payload == (await merchant.get(f"/events/{payload['id']}")).json()
        with pytest.raises(WebhookVerificationError):
            Webhook(str(only_groups["secret"])).verify(item.body, item.headers)
    [record, _] = sorted(await deliveries(merchant, str(created["id"])), key=lambda item: item["eventId"])
    assert record["status"] == "succeeded"
    assert record["attempts"] == 1
    assert record["lastStatusCode"] == 200
    assert record["lastResponse"] == "ok"
    assert record["nextAttemptAt"] is None
    assert record["lastDurationMs"] >= 0


async def test_a_receiver_down_for_a_while_gets_every_event_once_up(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump, frozen_clock: FrozenClock
) -> None:
    receiver = Receiver()
    await receiver.start()
    await receiver.stop()  # its port, with nobody listening
    created = await endpoint(merchant, receiver.url)
    placed = [await merchant.order() for _ in range(3)]
    await deliver(runtime, pump)
    pending = await deliveries(merchant, str(created["id"]))
    assert len(pending) == 6
    assert {item["status"] for item in pending} == {"pending"}
    assert {item["attempts"] for item in pending} == {1}
    assert all(item["lastStatusCode"] is None and item["lastResponse"] for item in pending)
    await receiver.start()
    try:
        frozen_clock.advance(timedelta(seconds=4))
        await deliver(runtime, pump)
        assert receiver.received == []  # not due yet: the first retry waits 5 s (± 10 %)
        frozen_clock.advance(timedelta(seconds=2))
        await deliver(runtime, pump)
    finally:
        await receiver.stop()
    done = await deliveries(merchant, str(created["id"]))
    assert {item["status"] for item in done} == {"succeeded"}
    assert {item["attempts"] for item in done} == {2}
    payloads = [verified(str(created["secret"]), item) for item in receiver.received]
    assert len({payload["id"] for payload in payloads}) == 6
    assert {payload["data"]["object"]["id"] for payload in payloads if payload["type"] == "order.created"} == {
        order["id"] for order in placed}


async def test_a_failing_receiver_is_retried_on_schedule_and_its_answer_kept_short(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump, frozen_clock: FrozenClock
) -> None:
    async with running_receiver(status=503, answer=b"x" * 5000) as receiver:
        created = await endpoint(merchant, receiver.url, enabledEvents=["order.created"])
        await merchant.order()
        await deliver(runtime, pump)
    [record] = await deliveries(merchant, str(created["id"]))
    assert record["status"] == "pending"
    assert record["lastStatusCode"] == 503
    assert record["lastResponse"] == "x" * 1024
    assert [attempt["response"] for attempt in record["attemptHistory"]] == ["x" * 1024]
    assert len(receiver.received) == 1


def test_the_retry_schedule_lasts_at_least_three_days_then_gives_up() -> None:
    delays = []
    attempts = 1
    while (delay := delivery.retry_delay(attempts)) is not None:
        delays.append(delay)
        attempts += 1
    assert timedelta(seconds=4.5) <= delays[0] <= timedelta(seconds=5.5)
    assert timedelta(minutes=4.5) <= delays[1] <= timedelta(minutes=5.5)
    assert sum(delays, timedelta()) >= timedelta(days=3)
    assert sum(delays, timedelta()) <= timedelta(days=4)


async def test_a_slow_receiver_never_holds_back_another_merchants_deliveries(
    database: Database, runtime: Runtime, app_client: Any, pump: DeliveryPump
) -> None:
    slow_merchant = await create_merchant(database, app_client, name="Slow shop")
    fast_merchant = await create_merchant(database, app_client, name="Fast shop")
    async with running_receiver(delay=5.0) as slow, running_receiver() as fast:
        await endpoint(slow_merchant, slow.url)
        await endpoint(fast_merchant, fast.url)
        for _ in range(3):
            await slow_merchant.order()
        await fast_merchant.order()
        while await consume_new_events(runtime, batch_size=500):
            pass
        started = asyncio.get_running_loop().time()
        await pump.pump(limit=100)
        while len(fast.received) < 2:
            assert asyncio.get_running_loop().time() - started < 2.0, "the fast receiver waited for the slow one"
            await asyncio.sleep(0.02)
        assert slow.received == []  # still sleeping on its first request
        # No transaction is open during a send: the database (SQLite: its only connection and write
        # lock) takes another order at once while the slow receiver still holds its requests.
        before = asyncio.get_running_loop().time()
        await fast_merchant.order()
        assert asyncio.get_running_loop().time() - before < 1.0
        assert slow.received == []
        await pump.wait_idle()
        assert len(slow.received) == 6


async def test_after_a_rotation_both_secrets_sign_for_a_day(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump
) -> None:
    async with running_receiver() as receiver:
        created = await endpoint(merchant, receiver.url, enabledEvents=["order.created"])
        rotated_at = clock.now()
        rotated = (await merchant.post(f"/webhook-endpoints/{created['id']}/rotate-secret")).json()
        await merchant.order()
        await deliver(runtime, pump)
        # The day is over (moved in the database: receivers check timestamps against their own clock).
        async with database.transaction() as connection:
            overlap_end = (await connection.execute(
                select(webhook_endpoints.c.previous_secret_expires_at).where(webhook_endpoints.c.id == created["id"])
            )).scalar_one()
            assert rotated_at + timedelta(hours=24) <= overlap_end <= clock.now() + timedelta(hours=24)
            await connection.execute(update(webhook_endpoints).where(webhook_endpoints.c.id == created["id"])
                                     .values(previous_secret_expires_at=clock.now() - timedelta(seconds=1)))
        await merchant.order()
        await deliver(runtime, pump)
    first, second = receiver.received
    for secret in (created["secret"], rotated["secret"]):
        verified(str(secret), first)
    verified(str(rotated["secret"]), second)
    with pytest.raises(WebhookVerificationError):
        Webhook(str(created["secret"])).verify(second.body, second.headers)


async def test_resend_replays_an_event_to_every_subscribed_endpoint_or_one(
    database: Database, runtime: Runtime, merchant: Merchant, other_merchant: Merchant, pump: DeliveryPump
) -> None:
    async with running_receiver() as receiver:
        first = await endpoint(merchant, receiver.url, enabledEvents=["order.created"])
        await endpoint(merchant, receiver.url, enabledEvents=["payout.paid"])
        await merchant.order()
        await deliver(runtime, pump)
        [event] = (await merchant.get("/events", params={"type": "order.created"})).json()["data"]
        again = await merchant.post(f"/events/{event['id']}/resend")
        assert again.status_code == 201, again.text
        assert [item["endpointId"] for item in again.json()["data"]] == [first["id"]]
        one = await merchant.post(f"/events/{event['id']}/resend", json={"endpointId": first["id"]})
        assert one.json()["count"] == 1
        await deliver(runtime, pump)
        assert (await other_merchant.post(f"/events/{event['id']}/resend")).status_code == 404
        unknown = await merchant.post(f"/events/{event['id']}/resend", json={"endpointId": "we_unknown"})
        assert unknown.status_code == 404
    assert [orjson.loads(item.body)["id"] for item in receiver.received] == [event["id"]] * 3
    assert len(await deliveries(merchant, str(first["id"]))) == 3


async def test_a_legacy_organization_receives_snake_case(
    database: Database, runtime: Runtime, app_client: Any, pump: DeliveryPump
) -> None:
    legacy = await create_merchant(database, app_client, api_version=LEGACY_VERSION)
    async with running_receiver() as receiver:
        created = await endpoint(legacy, receiver.url, enabled_events=["order.created"])
        order = await legacy.order()
        await deliver(runtime, pump)
    [item] = receiver.received
    payload = verified(str(created["secret"]), item)
    assert payload["api_version"] == LEGACY_VERSION
    assert payload["data"]["object"]["payment_group_id"] == order["payment_group_id"]


async def test_the_live_sender_refuses_addresses_inside_our_network() -> None:
    async with running_receiver() as receiver:
        client = sender.new_client()
        try:
            for url in (receiver.url, receiver.url.replace("127.0.0.1", "localhost")):
                attempt = await sender.send(client, url, body=b"{}", headers={}, livemode=True)
                assert attempt.succeeded is False
                assert attempt.response.startswith("refused")
            allowed = await sender.send(client, receiver.url, body=b"{}", headers={}, livemode=False)
        finally:
            await client.aclose()
    assert allowed.succeeded is True
    assert len(receiver.received) == 1


async def endpoint_now(merchant: Merchant, endpoint_id: str) -> dict[str, Any]:
    return dict((await merchant.get(f"/webhook-endpoints/{endpoint_id}")).json())


async def disabled_events(merchant: Merchant) -> list[dict[str, Any]]:
    return list((await merchant.get("/events", params={"type": "webhook_endpoint.disabled"})).json()["data"])


async def test_the_deliveries_show_every_attempt(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump, frozen_clock: FrozenClock
) -> None:
    receiver = Receiver()
    await receiver.start()
    await receiver.stop()  # down for the first attempt
    created = await endpoint(merchant, receiver.url, enabledEvents=["order.created"])
    await merchant.order()
    await deliver(runtime, pump)
    await receiver.start()
    try:
        frozen_clock.advance(timedelta(seconds=6))
        await deliver(runtime, pump)
    finally:
        await receiver.stop()
    [record] = await deliveries(merchant, str(created["id"]))
    first, second = record["attemptHistory"]
    assert (first["succeeded"], first["statusCode"], second["succeeded"], second["statusCode"]) == (False, None, True, 200)
    assert first["response"]  # what went wrong (the connection was refused)
    assert first["nextAttemptAt"] is not None
    assert first["nextAttemptAt"] <= second["attemptedAt"]
    assert second["response"] == "ok"
    assert second["nextAttemptAt"] is None
    assert first["durationMs"] >= 0
    assert second["durationMs"] >= 0
    assert record["lastStatusCode"] == 200


async def test_an_endpoint_failing_for_five_days_is_disabled_and_the_merchant_told(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump, frozen_clock: FrozenClock,
    outbox: MemorySender,
) -> None:
    contact = unique_email()
    assert (await merchant.patch("/brand-settings", json={"contactEmail": contact})).status_code == 200
    async with running_receiver(status=500) as receiver:
        failing = await endpoint(merchant, receiver.url, enabledEvents=["order.created"])
        await merchant.order()
        await deliver(runtime, pump)
        assert (await endpoint_now(merchant, failing["id"]))["failingSince"] is not None
        frozen_clock.advance(timedelta(days=4, hours=23))
        await merchant.order()
        await deliver(runtime, pump)
        assert (await endpoint_now(merchant, failing["id"]))["disabled"] is False  # not 5 days yet
        frozen_clock.advance(timedelta(hours=1, seconds=1))
        await merchant.order()
        await deliver(runtime, pump)
        now = await endpoint_now(merchant, failing["id"])
        assert now["disabled"] is True
        [event] = await disabled_events(merchant)
        assert event["data"]["object"]["id"] == failing["id"]
        assert event["data"]["object"]["disabled"] is True

        frozen_clock.advance(timedelta(hours=11))  # the pending retries: no second notice
        await deliver(runtime, pump)
        await Runner(runtime, batch_size=100).drain()
    assert len(await disabled_events(merchant)) == 1
    [email] = [email for email in outbox.sent if email.to == contact]
    assert failing["url"] in email.text
    assert failing["id"] in email.text


async def test_a_success_starts_the_five_days_over(
    database: Database, runtime: Runtime, merchant: Merchant, pump: DeliveryPump, frozen_clock: FrozenClock
) -> None:
    async with running_receiver(status=500) as receiver:
        created = await endpoint(merchant, receiver.url, enabledEvents=["order.created"])
        await merchant.order()
        await deliver(runtime, pump)
        frozen_clock.advance(timedelta(days=4))
        receiver.status = 200
        await merchant.order()
        await deliver(runtime, pump)
        assert (await endpoint_now(merchant, created["id"]))["failingSince"] is None
        receiver.status = 500
        frozen_clock.advance(timedelta(days=2))
        await merchant.order()
        await deliver(runtime, pump)
    now = await endpoint_now(merchant, created["id"])
    assert now["failingSince"] is not None
    assert now["disabled"] is False
    assert await disabled_events(merchant) == []
