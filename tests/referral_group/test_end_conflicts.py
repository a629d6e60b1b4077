"""One state machine for cancel, expire and settlement: COMPLETED, EXPIRED and CANCELED are terminal,
and whichever ends a group first wins. Plus the test helper's access rules."""

from __future__ import annotations

from datetime import timedelta

from kohort.db import Database
from kohort.kit.clock import FrozenClock
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant
from tests.factories.referral_group import books, end_now, group_with_orders, order_rows


async def test_a_canceled_group_is_never_settled(
    database: Database, runtime: Runtime, merchant: Merchant, frozen_clock: FrozenClock
) -> None:
    group_id, (order,) = await group_with_orders(merchant, [10_000])
    assert (await merchant.post(f"/groups/{group_id}/cancel")).status_code == 200

    assert (await end_now(merchant, group_id))["status"] == "CANCELED"
    frozen_clock.advance(timedelta(days=8))
    await Runner(runtime).drain()

    group = (await merchant.get(f"/groups/{group_id}")).json()
    assert group["status"] == "CANCELED"
    assert group["completedAt"] is None
    assert (await order_rows(database, [order["id"]]))[0]["status"] == "CREATED"
    assert await books(database, merchant) == {}


async def test_a_settled_group_can_be_neither_canceled_nor_expired(database: Database, merchant: Merchant) -> None:
    completed_id, _ = await group_with_orders(merchant, [10_000, 10_000])
    expired_id, _ = await group_with_orders(merchant, [10_000])
    assert (await end_now(merchant, completed_id))["status"] == "COMPLETED"
    assert (await end_now(merchant, expired_id))["status"] == "EXPIRED"

    for group_id in (completed_id, expired_id):
        for action in ("cancel", "expire"):
            response = await merchant.post(f"/groups/{group_id}/{action}")
            assert response.status_code == 400, (group_id, action, response.text)
    assert (await merchant.get(f"/groups/{completed_id}")).json()["status"] == "COMPLETED"
    assert (await merchant.get(f"/groups/{expired_id}")).json()["status"] == "EXPIRED"
    assert (await books(database, merchant))["cashback_liability"] == -1000


async def test_a_group_expired_by_hand_is_left_alone_by_the_sweep(
    runtime: Runtime, merchant: Merchant, frozen_clock: FrozenClock
) -> None:
    group_id, (_order,) = await group_with_orders(merchant, [10_000])
    frozen_clock.advance(timedelta(days=7, minutes=1))
    expired = await merchant.post(f"/groups/{group_id}/expire")
    assert expired.status_code == 200
    assert expired.json()["status"] == "EXPIRED"

    await Runner(runtime).drain()
    group = (await merchant.get(f"/groups/{group_id}")).json()
    assert group["status"] == "EXPIRED"
    assert group["updatedAt"] == expired.json()["updatedAt"]


async def test_a_group_with_participants_cannot_be_canceled_and_completes(
    database: Database, merchant: Merchant
) -> None:
    group_id, _ = await group_with_orders(merchant, [10_000, 10_000])
    assert (await merchant.post(f"/groups/{group_id}/cancel")).status_code == 400
    assert (await end_now(merchant, group_id))["status"] == "COMPLETED"


async def test_the_test_helper_needs_a_test_secret_key_and_the_tenant(
    database: Database, merchant: Merchant, other_merchant: Merchant
) -> None:
    group_id, _ = await group_with_orders(merchant, [10_000, 10_000])
    live_owner = await merchant.order(key="sk_live")

    for response in (
        await merchant.post(f"/test-helpers/groups/{live_owner['paymentGroupId']}/end", key="sk_live"),
        await merchant.post(f"/test-helpers/groups/{group_id}/end", key="sk_live"),
        await other_merchant.post(f"/test-helpers/groups/{group_id}/end"),
        await merchant.post(f"/test-helpers/groups/{live_owner['paymentGroupId']}/end"),
    ):
        assert response.status_code == 404, response.text
    assert (await merchant.post(f"/test-helpers/groups/{group_id}/end", key="pk_test")).status_code == 403
    assert (await merchant.get(f"/groups/{group_id}")).json()["status"] == "OPEN"

    by_code = (await merchant.get(f"/groups/{group_id}")).json()["shareId"]
    ended = await end_now(merchant, by_code.lower())
    assert ended["id"] == group_id
    assert ended["status"] == "COMPLETED"
    assert ended["expiresAt"] <= ended["completedAt"]
