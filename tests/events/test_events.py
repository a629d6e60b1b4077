"""GET /events and /events/{id}: every business change leaves an event, in the transaction of the change,
with the object as it was then, tenant-scoped like everything else."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.events.catalogue import DESCRIPTIONS, EventType
from kohort.events.domain import EVENT_CLASSES
from kohort.http.versions import LEGACY_VERSION
from kohort.kit.clock import FrozenClock
from kohort.runtime import Runtime
from tests.factories.group import join
from tests.factories.merchant import Merchant, create_merchant
from tests.factories.referral_group import end_now, group_with_orders, set_settings
from tests.factories.withdrawal import settled_group


async def events_of(merchant: Merchant, *, key: str = "sk_test", **params: Any) -> list[dict[str, Any]]:
    response = await merchant.get("/events", key=key, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] >= len(body["data"])
    return list(body["data"])


def of_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [event for event in events if event["type"] == event_type]


async def test_an_order_opening_a_group_records_the_group_then_the_order(merchant: Merchant) -> None:
    order = await merchant.order(amount=4200)
    events = await events_of(merchant)
    assert sorted(event["type"] for event in events) == ["order.created", "payment_group.created"]
    created = of_type(events, "order.created")[0]
    assert created["id"].startswith("evt_")
    assert created["livemode"] is False
    assert created["apiVersion"] == "2025-01-01"
    assert created["createdAt"].endswith("Z")
    assert created["data"]["object"] == order  # the order exactly as the API returned it
    group = of_type(events, "payment_group.created")[0]["data"]["object"]
    assert group["id"] == order["paymentGroupId"]
    assert group["participantCount"] == 1


async def test_joins_record_the_group_with_its_new_size_and_the_level_they_unlock(
    merchant: Merchant, frozen_clock: FrozenClock
) -> None:
    owner = await merchant.order()
    frozen_clock.advance(timedelta(seconds=1))
    await join(merchant, owner["paymentGroupShareId"])  # 2 participants: the first level (default ladder)
    frozen_clock.advance(timedelta(seconds=1))
    third = await join(merchant, owner["paymentGroupShareId"])  # 3: no new level
    joined = of_type(await events_of(merchant), "payment_group.joined")
    assert [event["data"]["object"]["participantCount"] for event in joined] == [3, 2]  # newest first
    unlocked = of_type(await events_of(merchant), "payment_group.level_unlocked")
    assert [event["data"]["object"]["participantCount"] for event in unlocked] == [2]
    newest = (await events_of(merchant, take=1))[0]
    assert newest["type"] in ("order.created", "payment_group.joined")
    orders = await events_of(merchant, type="order.created")
    assert len(orders) == 3
    assert orders[0]["data"]["object"]["id"] == third["id"]
    oldest_first = await events_of(merchant, type="order.created", orderBy="createdAt:asc")
    assert oldest_first[0]["data"]["object"]["id"] == owner["id"]


async def test_one_event_by_id_and_nobody_else_sees_it(merchant: Merchant, other_merchant: Merchant) -> None:
    await merchant.order()
    event = (await events_of(merchant, type="order.created"))[0]
    found = await merchant.get(f"/events/{event['id']}")
    assert found.status_code == 200
    assert found.json() == event
    for response in (
        await other_merchant.get(f"/events/{event['id']}"),
        await merchant.get(f"/events/{event['id']}", key="sk_live"),
        await merchant.get("/events/evt_00000000000000000000"),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "NOT_FOUND"
    assert await events_of(other_merchant) == []
    assert await events_of(merchant, key="sk_live") == []
    assert (await merchant.get("/events", key="pk_test")).status_code == 403


async def test_live_events_stay_in_live_mode(merchant: Merchant) -> None:
    await merchant.order(key="sk_live")
    live = await events_of(merchant, key="sk_live")
    assert {event["livemode"] for event in live} == {True}
    assert len(live) == 2
    assert await events_of(merchant) == []


async def test_an_unknown_type_filter_is_a_400(merchant: Merchant) -> None:
    response = await merchant.get("/events", params={"type": "order.exploded"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_PARAMETER"
    assert (await merchant.get("/events", params={"take": "0"})).status_code == 400


async def test_a_refused_order_leaves_no_event(merchant: Merchant) -> None:
    owner = await merchant.order()
    before = len(await events_of(merchant))
    refused = await merchant.post("/orders", json={"amount": 5000, "customerEmail": owner["customerEmail"],
                                                   "paymentGroupShareId": owner["paymentGroupShareId"]})
    assert refused.status_code == 400
    assert len(await events_of(merchant)) == before


async def test_cancel_and_expire_are_events(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    canceled = await merchant.order()
    assert (await merchant.post(f"/groups/{canceled['paymentGroupId']}/cancel")).status_code == 200
    expired = await merchant.order()
    frozen_clock.advance(timedelta(days=7))
    assert (await merchant.post(f"/groups/{expired['paymentGroupId']}/expire")).status_code == 200
    events = await events_of(merchant)
    [cancel] = of_type(events, "payment_group.canceled")
    assert cancel["data"]["object"]["id"] == canceled["paymentGroupId"]
    assert cancel["data"]["object"]["status"] == "CANCELED"
    [expire] = of_type(events, "payment_group.expired")
    assert expire["data"]["object"]["id"] == expired["paymentGroupId"]
    assert expire["data"]["object"]["status"] == "EXPIRED"


async def test_settlement_records_the_outcome_and_each_cashback(database: Database, merchant: Merchant) -> None:
    await set_settings(merchant, discountLevels=[{"participantsToUnlock": 2, "value": 10}])
    group_id, placed = await group_with_orders(merchant, [3000, 8000])
    lone_id, _ = await group_with_orders(merchant, [5000])
    await end_now(merchant, group_id)
    await end_now(merchant, lone_id)
    events = await events_of(merchant)
    [succeeded] = of_type(events, "payment_group.succeeded")
    assert succeeded["data"]["object"]["id"] == group_id
    assert succeeded["data"]["object"]["status"] == "COMPLETED"
    [lone] = of_type(events, "payment_group.expired")
    assert lone["data"]["object"]["id"] == lone_id
    available = {event["data"]["object"]["id"]: event["data"]["object"] for event in
                 of_type(events, "order.cashback_available")}
    assert {order_id: order["amountCashback"] for order_id, order in available.items()} == {
        placed[0]["id"]: 300, placed[1]["id"]: 800}
    assert {order["status"] for order in available.values()} == {"CASHBACK_AVAILABLE"}
    # The withdrawal token is the shopper's alone: no event carries it (the original's did).
    assert all("token" not in key.lower() for order in available.values() for key in order)


async def test_paid_and_failed_payouts_are_events(runtime: Runtime, merchant: Merchant, outbox: MemorySender) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    for order in placed:
        body = {"orderId": order["link"].order_id, "token": order["link"].token,
                "iban": "FR1420041010050500013M02606", "holderName": "Ann Lee"}
        assert (await merchant.client.post("/withdrawals", json=body)).status_code == 201
    batch = (await merchant.post("/payout-batches")).json()
    failing = next(payout for payout in batch["payouts"] if payout["orderId"] == placed[1]["id"])
    assert (await merchant.post(f"/payouts/{failing['id']}/fail", json={"reason": "AC04"})).status_code == 200
    assert (await merchant.post(f"/payout-batches/{batch['id']}/confirm")).status_code == 200
    events = await events_of(merchant)
    [failed] = of_type(events, "payout.failed")
    assert failed["data"]["object"]["id"] == failing["id"]
    assert failed["data"]["object"]["status"] == "FAILED"
    assert "•" in failed["data"]["object"]["iban"]  # masked, as the API shows it
    [paid] = of_type(events, "payout.paid")
    assert paid["data"]["object"]["orderId"] == placed[0]["id"]
    assert paid["data"]["object"]["status"] == "PAID"
    [sent] = of_type(events, "order.cashback_sent")
    assert sent["data"]["object"]["id"] == placed[0]["id"]
    assert sent["data"]["object"]["status"] == "CASHBACK_SENT"
    back = [event for event in of_type(events, "order.cashback_available")
            if event["data"]["object"]["id"] == placed[1]["id"]]
    assert len(back) == 2  # at settlement, and again when the transfer failed


@pytest.mark.parametrize("header", [None, LEGACY_VERSION])
async def test_a_legacy_organization_gets_its_events_data_in_snake_case(
    database: Database, app_client: Any, header: str | None
) -> None:
    legacy = await create_merchant(database, app_client, api_version=LEGACY_VERSION)
    order = await legacy.order(amount=3100)
    headers = {"Kohort-Version": header} if header else {}
    response = await legacy.get("/events", params={"type": "order.created"}, headers=headers)
    [event] = response.json()["data"]
    assert event["api_version"] == LEGACY_VERSION
    assert "created_at" in event
    assert event["data"]["object"]["payment_group_id"] == order["payment_group_id"]
    assert event["data"]["object"]["amount"] == 3100


async def test_a_current_organization_keeps_camel_case_data_under_the_legacy_header(merchant: Merchant) -> None:
    await merchant.order(metadata={"cartId": "c-1"})
    response = await merchant.get("/events", params={"type": "order.created"}, headers={"Kohort-Version": LEGACY_VERSION})
    [event] = response.json()["data"]
    # The request chose the legacy version: the whole body, the object included, speaks it; metadata untouched.
    assert "created_at" in event
    assert "payment_group_id" in event["data"]["object"]
    assert event["data"]["object"]["metadata"] == {"cartId": "c-1"}


async def test_the_catalogue_is_documented_in_the_readme_and_the_openapi_document(app_client: Any) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    described = (await app_client.get("/openapi.json")).json()["paths"]["/events"]["get"]["description"]
    for event_type in EventType:
        assert f"`{event_type.value}`" in readme
        assert f"`{event_type.value}`" in described
    assert set(DESCRIPTIONS) == set(EventType)
    assert set(EVENT_CLASSES) == set(EventType)
