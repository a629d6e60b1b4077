"""POST /groups/{id}/cancel and /expire: only open groups holding just their owner."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kohort.db import Database
from kohort.kit.clock import FrozenClock
from kohort.models import GroupStatus
from kohort.referral_group import repository as group_repository
from kohort.tenant import Tenant
from tests.factories.group import get_group, join
from tests.factories.merchant import Merchant

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.mark.parametrize("prefix", ["/groups", "/payment-groups"])
@pytest.mark.parametrize("by", ["id", "code"])
async def test_cancel_an_open_group_with_only_its_owner(merchant: Merchant, prefix: str, by: str) -> None:
    order = await merchant.order()
    reference = order["paymentGroupId"] if by == "id" else order["paymentGroupShareId"].lower()
    response = await merchant.post(f"{prefix}/{reference}/cancel")
    assert response.status_code == 200, response.text
    group = response.json()
    assert group["status"] == "CANCELED"
    assert TIMESTAMP.fullmatch(group["canceledAt"])
    assert (await get_group(merchant, order["paymentGroupId"]))["status"] == "CANCELED"
    again = await merchant.post(f"{prefix}/{reference}/cancel")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "NOT_CANCELABLE"


async def test_cannot_cancel_with_participants(merchant: Merchant) -> None:
    order = await merchant.order()
    await join(merchant, order["paymentGroupShareId"])
    response = await merchant.post(f"/groups/{order['paymentGroupId']}/cancel")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "NOT_CANCELABLE"
    assert (await get_group(merchant, order["paymentGroupId"]))["status"] == "OPEN"


async def test_cannot_cancel_past_its_end(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    order = await merchant.order()
    frozen_clock.advance(timedelta(days=7, milliseconds=1))
    response = await merchant.post(f"/groups/{order['paymentGroupId']}/cancel")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "NOT_CANCELABLE"


@pytest.mark.parametrize("by", ["id", "code"])
async def test_expire_after_the_end(merchant: Merchant, frozen_clock: FrozenClock, by: str) -> None:
    order = await merchant.order()
    reference = order["paymentGroupId"] if by == "id" else order["paymentGroupShareId"]
    early = await merchant.post(f"/payment-groups/{reference}/expire")
    assert early.status_code == 400
    assert early.json()["error"]["code"] == "NOT_EXPIRABLE"
    frozen_clock.advance(timedelta(days=7))
    response = await merchant.post(f"/payment-groups/{reference}/expire")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "EXPIRED"
    again = await merchant.post(f"/payment-groups/{reference}/expire")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "NOT_EXPIRABLE"
    assert (await merchant.post(f"/groups/{reference}/cancel")).status_code == 400


async def test_cannot_expire_with_participants(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    order = await merchant.order()
    await join(merchant, order["paymentGroupShareId"])
    frozen_clock.advance(timedelta(days=8))
    response = await merchant.post(f"/groups/{order['paymentGroupId']}/expire")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "NOT_EXPIRABLE"
    assert (await get_group(merchant, order["paymentGroupId"]))["status"] == "OPEN"


async def test_cannot_expire_a_canceled_group(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    order = await merchant.order()
    await merchant.post(f"/groups/{order['paymentGroupId']}/cancel")
    frozen_clock.advance(timedelta(days=8))
    response = await merchant.post(f"/groups/{order['paymentGroupId']}/expire")
    assert response.status_code == 400
    assert (await get_group(merchant, order["paymentGroupId"]))["status"] == "CANCELED"


async def test_unknown_group(merchant: Merchant) -> None:
    for action in ("cancel", "expire"):
        response = await merchant.post(f"/groups/pg_nope/{action}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_the_cancel_write_itself_refuses_a_group_past_its_end(merchant: Merchant, database: Database) -> None:
    """The conditional write re-checks the end, so a cancel racing the group's end cannot win after it."""
    order = await merchant.order()
    tenant = Tenant(organization_id=merchant.id, livemode=False)
    async with database.transaction() as connection:
        group = await group_repository.get(connection, tenant, order["paymentGroupId"])
        assert group is not None
        past_end = group.expires_at + timedelta(seconds=1)
        changed = await group_repository.update_if(
            connection, tenant, group.id, expected_status=GroupStatus.OPEN, max_participants=1, running_at=past_end,
            values={"status": "CANCELED"},
        )
    assert changed is None
    assert (await merchant.get(f"/groups/{group.id}")).json()["status"] == "OPEN"
