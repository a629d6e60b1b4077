"""Cashback ready to withdraw: a settled group, the emails its settlement sent, and their links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from kohort.email.sender import MemorySender
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant
from tests.factories.referral_group import end_now, group_with_orders, set_settings

GOOD_IBAN = "FR1420041010050500013M02606"
LINK = re.compile(r"https?://[^\s\"<>]+/w/ord_[0-9a-f]+\?token=[0-9a-f]+")


@dataclass
class Link:
    order_id: str
    token: str
    url: str


async def set_payout_account(merchant: Merchant, *, key: str = "sk_test") -> None:
    response = await merchant.patch("/payout-settings", key=key, json={
        "debtorName": "Maison Lune SAS", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"})
    assert response.status_code == 200, response.text


def links_in(outbox: MemorySender, to: str) -> list[Link]:
    """Withdrawal links emailed to `to`, oldest first."""
    found = []
    for email in outbox.sent:
        if email.to != to:
            continue
        for url in LINK.findall(email.text):
            parsed = urlparse(url)
            found.append(Link(order_id=parsed.path.rsplit("/", 1)[-1], token=parse_qs(parsed.query)["token"][0], url=url))
    return found


async def settled_group(runtime: Runtime, merchant: Merchant, outbox: MemorySender, amounts: list[int],
                        *, levels: list[dict[str, int]] | None = None) -> list[dict[str, Any]]:
    """A completed group with these order amounts (first level 10 % unless told), its emails sent.
    Returns the orders, each with its `link`."""
    await set_payout_account(merchant)
    await set_settings(merchant, discountLevels=levels or [{"participantsToUnlock": 2, "value": 10}])
    group_id, placed = await group_with_orders(merchant, amounts)
    await end_now(merchant, group_id)
    await Runner(runtime, batch_size=100).drain()
    for order in placed:
        order["link"] = links_in(outbox, order["customerEmail"])[-1]
    return placed
