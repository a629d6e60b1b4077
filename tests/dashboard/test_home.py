"""The home page's figures against values computed by hand on a small seeded set (test mode)."""

from __future__ import annotations

from datetime import timedelta

import httpx

from kohort.db import Database
from kohort.kit.clock import FrozenClock
from kohort.reporting import repository as reporting_repository
from kohort.reporting import service as reporting_service
from kohort.reporting.domain import Period, WeekMoney
from kohort.tenant import Tenant
from kohort.user.domain import Role
from tests.factories.dashboard import signed_in
from tests.factories.merchant import Merchant


async def _group(merchant: Merchant, amounts: list[int], *, end: bool) -> None:
    owner = await merchant.order(amount=amounts[0])
    for amount in amounts[1:]:
        await merchant.order(amount=amount, share_code=owner["paymentGroupShareId"])
    if end:
        assert (await merchant.post(f"/test-helpers/groups/{owner['paymentGroupId']}/end")).status_code == 200


async def test_the_home_figures_match_a_hand_computed_set(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant, other_merchant: Merchant,
    frozen_clock: FrozenClock,
) -> None:
    settings = {"discountLevels": [{"participantsToUnlock": 2, "value": 10}, {"participantsToUnlock": 3, "value": 15}]}
    assert (await merchant.patch("/payment-group-settings", json=settings)).status_code == 200
    # A: 3 participants, 15 %: cashback 450 + 1 200 + 750 = 2 400; fees (joiners) 800+160 and 500+100.
    await _group(merchant, [3000, 8000, 5000], end=True)
    # B: 2 participants, 10 %: cashback 1 235 (1 234.5 rounds up) + 679 (678.9); fee 679 net + 136 VAT.
    await _group(merchant, [12345, 6789], end=True)
    await _group(merchant, [2000], end=True)  # C: alone, expires
    await _group(merchant, [4000], end=False)  # D: still open
    await _group(other_merchant, [99900, 1000], end=True)  # another organization: counts nowhere here
    await merchant.order(amount=5555, key="sk_live")  # live mode: counts nowhere in test

    today = frozen_clock.now().date()
    tenant = Tenant(merchant.id, False)
    async with database.transaction() as connection:
        figures = await reporting_service.figures(connection, tenant, Period(today - timedelta(days=6), today))
    assert (figures.orders, figures.orders_amount) == (7, 41134)
    assert (figures.referred_orders, figures.referred_amount) == (3, 19789)
    assert (figures.groups_opened, figures.groups_completed, figures.groups_expired) == (4, 2, 1)
    assert figures.ended_participants == 6
    assert figures.cashback_promised == 4314
    assert figures.cashback_paid == 0
    assert (figures.fees_net, figures.fees_vat, figures.fees_total) == (1979, 396, 2375)
    assert figures.size_distribution == ((1, 1), (2, 1), (3, 1))
    assert [(day.own, day.referred) for day in figures.orders_per_day][-1] == (4, 3)
    assert sum(day.own + day.referred for day in figures.orders_per_day) == 7
    monday = today - timedelta(days=today.weekday())
    assert WeekMoney(monday=monday, cashback=4314, fees=2375) in figures.money_per_week
    async with database.transaction() as connection:
        yesterday = await reporting_service.figures(connection, tenant, Period(today - timedelta(days=1),
                                                                              today - timedelta(days=1)))
    assert (yesterday.orders, yesterday.cashback_promised, yesterday.groups_opened) == (0, 0, 0)

    dashboard = await signed_in(browser, database, merchant.id, role=Role.VIEWER)
    page = (await dashboard.get("/dashboard/test/", params={"from": str(today), "to": str(today)})).text
    for key, shown in (("referred-share", "42.9%"), ("fill-rate", "66.7%"), ("average-size", "2"),
                       ("k-factor", "0.75"), ("cashback-promised", "€43.14"), ("fees-net", "€19.79"),
                       ("fees-vat", "€3.96"), ("revenue", "€411.34")):
        start = page.index(f'id="figure-{key}"')
        assert shown in page[start:page.index("</div></div>", start)], key
    assert 'id="chart-data"' in page

    french = await signed_in(browser, database, merchant.id, role=Role.VIEWER, locale="fr_FR")
    page = (await french.get("/dashboard/test/", params={"from": str(today), "to": str(today)})).text
    assert "43,14\u00a0€" in page
    assert "42,9\u00a0%" in page


async def test_the_kept_days_match_a_recomputation_and_an_order_moving_group_is_recounted(
    database: Database, merchant: Merchant, frozen_clock: FrozenClock
) -> None:
    """Once a day is over, its totals are kept: they must equal what the orders and the ledger give, to the cent,
    and an order that changes what it counts as (it opens a group of its own) gets its day recomputed."""
    settings = {"discountLevels": [{"participantsToUnlock": 2, "value": 10}, {"participantsToUnlock": 3, "value": 15}]}
    assert (await merchant.patch("/payment-group-settings", json=settings)).status_code == 200
    seeded_on = frozen_clock.now().date()
    await _group(merchant, [3000, 8000, 5000], end=True)
    await _group(merchant, [12345, 6789], end=True)
    frozen_clock.advance(timedelta(days=1))
    await _group(merchant, [2000], end=True)
    # A pair whose joiner is refunded in full: the owner is alone, the group expires, and the joiner's order
    # then opens a group of its own (no longer a referred order).
    owner = await merchant.order(amount=1500)
    joiner = await merchant.order(amount=2500, share_code=owner["paymentGroupShareId"])
    assert (await merchant.post(f"/orders/{joiner['id']}/refunds", json={})).status_code == 201
    assert (await merchant.post(f"/test-helpers/groups/{owner['paymentGroupId']}/end")).status_code == 200
    assert (await merchant.get(f"/payment-groups/{owner['paymentGroupId']}")).json()["status"] == "EXPIRED"
    frozen_clock.advance(timedelta(days=2))

    tenant = Tenant(merchant.id, False)
    period = Period(seeded_on - timedelta(days=1), frozen_clock.now().date())
    async with database.transaction() as connection:
        first = await reporting_service.figures(connection, tenant, period)
        kept = await reporting_repository.stored_days(connection, tenant, period)
        recomputed = await reporting_service.compute_days(connection, tenant, period)
    # Every day over (all but today) is kept, zero days too, and equals the recomputation.
    assert sorted(totals.day for totals in kept) == period.days()[:-1]
    assert {totals.day: totals for totals in kept} == {day: recomputed[day] for day in period.days()[:-1]}
    assert (first.orders, first.orders_amount, first.referred_orders, first.referred_amount) == (8, 41134, 4, 22289)
    assert first.cashback_promised == 2400 + 1235 + 679
    async with database.transaction() as connection:
        again = await reporting_service.figures(connection, tenant, period)
    assert again == first

    moved = await merchant.post("/groups", json={"customerId": joiner["customerId"], "orderId": joiner["id"]})
    assert moved.status_code == 201, moved.text
    async with database.transaction() as connection:
        after = await reporting_service.figures(connection, tenant, period)
        recomputed = await reporting_service.compute_days(connection, tenant, period)
    assert (after.orders, after.referred_orders, after.referred_amount) == (8, 3, 19789)
    assert {day.day: day.referred for day in after.orders_per_day} == {
        day: totals.referred_orders for day, totals in recomputed.items()}
