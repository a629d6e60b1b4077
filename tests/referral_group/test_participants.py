"""GET /groups/{id}/participants: the seed's "List all orders in a group"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kohort.kit.clock import FrozenClock
from tests.factories.group import join
from tests.factories.merchant import Merchant, Ticker

# shared/ lies beside the checkout (here and in CI); the key list below is the same page's, for elsewhere.
SEED = Path(__file__).resolve().parents[3] / "shared" / "reference" / "seed" / "api-reference-list-orders-in-group.txt"


def seed_order_keys() -> set[str]:
    """The keys of the example order on the seed page (its first JSON example)."""
    text = SEED.read_text()
    start = text.index('{\n"data"')
    example, _ = json.JSONDecoder().raw_decode(text[start:])
    return set(example["data"][0])


SEED_KEYS = seed_order_keys() if SEED.exists() else {
    "id", "livemode", "organizationId", "amount", "amountCashback", "applicationFeeAmount", "customerEmail",
    "customerFirstName", "customerLastName", "customerPhoneNumber", "paymentGroupShareId", "customerId", "currency",
    "locale", "status", "metadata", "paymentGroupId", "ambassadorId", "clientReferenceId", "riskLevel", "createdAt",
    "createdBy", "updatedAt", "updatedBy",
}
# Beyond the seed: the shop's lines, which the plugins' checkout sessions send and orders keep, and
# issue 10's refunds and cashback hold.
OUR_KEYS = {"lineItems", "amountRefunded", "cashbackAvailableAt", "cashbackNetted"}


def to_snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


@pytest.mark.parametrize("prefix", ["/groups", "/payment-groups"])
async def test_participants_match_the_seed_fields_oldest_first(
    merchant: Merchant, prefix: str, frozen_clock: FrozenClock
) -> None:
    tick = Ticker(frozen_clock)
    owner = await merchant.order(metadata={"basket_id": "1JYLo8KerLxWZaQtys6ZQ1xS"})
    friends = []
    for _ in range(2):
        tick()
        friends.append(await join(merchant, owner["paymentGroupShareId"]))
    response = await merchant.get(f"{prefix}/{owner['paymentGroupId']}/participants")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "count"}
    assert body["count"] == 3
    assert [item["id"] for item in body["data"]] == [owner["id"], friends[0]["id"], friends[1]["id"]]
    for item in body["data"]:
        assert set(item) == SEED_KEYS | OUR_KEYS
        assert "token" not in item
    assert body["data"][0]["metadata"] == {"basket_id": "1JYLo8KerLxWZaQtys6ZQ1xS"}
    by_code = await merchant.get(f"{prefix}/{owner['paymentGroupShareId'].lower()}/participants")
    assert by_code.json() == body


async def test_participants_in_the_legacy_version(merchant: Merchant) -> None:
    owner = await merchant.order()
    response = await merchant.get(f"/groups/{owner['paymentGroupId']}/participants",
                                  headers={"Kohort-Version": "2024-01-01"})
    item = response.json()["data"][0]
    assert set(item) == {to_snake(key) for key in SEED_KEYS | OUR_KEYS}
    assert "token" not in item


async def test_participants_paging_and_order(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    tick = Ticker(frozen_clock)
    owner = await merchant.order()
    friends = []
    for _ in range(3):
        tick()
        friends.append(await join(merchant, owner["paymentGroupShareId"]))
    everyone = [owner["id"]] + [friend["id"] for friend in friends]
    page = (await merchant.get(f"/groups/{owner['paymentGroupId']}/participants", params={"take": 2, "skip": 1})).json()
    assert page["count"] == 4
    assert [item["id"] for item in page["data"]] == everyone[1:3]
    newest = (await merchant.get(f"/groups/{owner['paymentGroupId']}/participants",
                                 params={"orderBy": "createdAt:desc"})).json()
    assert [item["id"] for item in newest["data"]] == list(reversed(everyone))
    searched = (await merchant.get(f"/groups/{owner['paymentGroupId']}/participants",
                                   params={"search": f"customerId:{friends[1]['customerId']}"})).json()
    assert [item["id"] for item in searched["data"]] == [friends[1]["id"]]
    assert searched["count"] == 1
    assert (await merchant.get(f"/groups/{owner['paymentGroupId']}/participants", params={"take": 0})).status_code == 400


async def test_participants_of_another_group_are_not_mixed_in(merchant: Merchant) -> None:
    first = await merchant.order()
    second = await merchant.order()
    await join(merchant, second["paymentGroupShareId"])
    body = (await merchant.get(f"/groups/{first['paymentGroupId']}/participants")).json()
    assert [item["id"] for item in body["data"]] == [first["id"]]
    assert body["count"] == 1
    assert (await merchant.get("/groups/pg_nope/participants")).status_code == 404
