"""Refunds as the dashboard shows them: on the order (amount refunded, its refunds, its timeline, when the
cashback becomes available) and on the group (each participant on what they finally paid)."""

from __future__ import annotations

import re

import httpx

from kohort.db import Database
from kohort.user.domain import Role
from tests.factories.dashboard import signed_in
from tests.factories.merchant import Merchant


def _text(html: str) -> str:
    """The page's text, tags dropped and spaces squeezed, to read a row as a person does."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_refunds_show_on_the_order_and_the_group_counts_participants_net(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    ladder = {"discountType": "PERCENTAGE", "cashbackHoldDays": 14,
              "discountLevels": [{"participantsToUnlock": 2, "value": 10}, {"participantsToUnlock": 3, "value": 15}]}
    assert (await merchant.patch("/payment-group-settings", json=ladder)).status_code == 200
    owner = await merchant.order(amount=3000)
    partly = await merchant.order(amount=8000, share_code=owner["paymentGroupShareId"])
    wholly = await merchant.order(amount=5000, share_code=owner["paymentGroupShareId"])
    for order, body in ((partly, {"amount": 3000, "reason": "Damaged parcel"}), (wholly, {})):
        refunded = await merchant.post(f"/orders/{order['id']}/refunds", json=body)
        assert refunded.status_code == 201, refunded.text
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)

    group_page = _text((await dashboard.get(f"/dashboard/test/groups/{owner['paymentGroupId']}")).text)
    # Two participants left (the wholly refunded order no longer counts): level 1, 10 % of what each paid.
    assert "€50.00 €30.00 refunded €5.00" in group_page
    assert "€0.00 €50.00 refunded €0.00 Refunded" in group_page
    assert "€30.00 €3.00" in group_page

    order_page = await dashboard.get(f"/dashboard/test/orders/{partly['id']}")
    assert order_page.status_code == 200
    text = _text(order_page.text)
    assert "Refunded €30.00 · net €50.00" in text
    assert "€30.00 Damaged parcel" in _text(order_page.text.split('id="refunds"')[1].split("</table>")[0])
    assert "Refund of €30.00 · Damaged parcel · by key_" in text  # the API key that asked for it
    assert "Pending: once the group completes" in text

    assert (await dashboard.post(f"/dashboard/test/groups/{owner['paymentGroupId']}/end")).status_code == 303
    # Refunded after the group completed: the ledger adjusts the cashback and the fee, on the timeline too.
    late = await merchant.post(f"/orders/{owner['id']}/refunds", json={"amount": 1000, "reason": "Late return"})
    assert late.status_code == 201, late.text
    owner_page = await dashboard.get(f"/dashboard/test/orders/{owner['id']}")
    assert owner_page.status_code == 200
    owner_text = _text(owner_page.text)
    assert "Pending until" in owner_text  # the 14 days' hold
    assert "Refund of €10.00 · Late return" in owner_text
    assert "Cashback and fee adjusted to the refund" in owner_text
    assert "Refunded €10.00 · net €20.00" in owner_text
