"""The home page's figures for a period and a mode, each from one SQL aggregate, exact to the cent."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.kit.money import round_half_up
from kohort.ledger.accounts import Account
from kohort.models import GroupStatus
from kohort.organization import service as organization_service
from kohort.organization.ladder import Ladder
from kohort.reporting import preview, repository
from kohort.reporting.domain import DayOrders, Figures, Period, WeekMoney
from kohort.reporting.preview import CostPreview
from kohort.tenant import Tenant

_MONEY_ACCOUNTS = (Account.CASHBACK_EXPENSE, Account.ACQUISITION_FEE_EXPENSE, Account.MERCHANT_FUNDS)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def figures(connection: AsyncConnection, tenant: Tenant, period: Period) -> Figures:
    per_day = {row[0]: row for row in await repository.orders_per_day(connection, tenant, period)}
    sizes = await repository.ended_sizes(connection, tenant, period)
    ledger_days = await repository.ledger_per_day(connection, tenant, period, _MONEY_ACCOUNTS)
    fees_total, fees_net = await repository.fees_of_completed_groups(connection, tenant, period)

    totals: dict[str, int] = defaultdict(int)
    weeks: dict[date, dict[str, int]] = {_monday(day): defaultdict(int) for day in period.days()}
    for day, account, amount in ledger_days:
        totals[account] += amount
        weeks[_monday(day)][account] += amount
    distribution: dict[int, int] = defaultdict(int)
    for _status, size, count in sizes:
        distribution[size] += count
    days = [(day, *per_day[day][1:]) if day in per_day else (day, 0, 0, 0, 0) for day in period.days()]
    return Figures(
        period=period,
        orders=sum(row[1] for row in days), orders_amount=sum(row[2] for row in days),
        referred_orders=sum(row[3] for row in days), referred_amount=sum(row[4] for row in days),
        groups_opened=await repository.groups_opened(connection, tenant, period),
        groups_completed=sum(count for status, _size, count in sizes if status == GroupStatus.COMPLETED),
        groups_expired=sum(count for status, _size, count in sizes if status == GroupStatus.EXPIRED),
        ended_participants=sum(size * count for _status, size, count in sizes),
        cashback_promised=totals[Account.CASHBACK_EXPENSE],
        cashback_paid=-totals[Account.MERCHANT_FUNDS],  # the merchant's funds are credited as transfers execute
        fees_net=fees_net, fees_vat=fees_total - fees_net,
        orders_per_day=tuple(DayOrders(day=day, own=count - referred, referred=referred)
                             for day, count, _amount, referred, _referred_amount in days),
        size_distribution=tuple(sorted(distribution.items())),
        money_per_week=tuple(WeekMoney(monday=monday, cashback=values[Account.CASHBACK_EXPENSE],
                                       fees=values[Account.ACQUISITION_FEE_EXPENSE])
                             for monday, values in sorted(weeks.items())),
    )


HISTORY_DAYS = 365


async def cost_preview(connection: AsyncConnection, tenant: Tenant, ladder: Ladder, *, today: date,
                       max_participants: int) -> CostPreview:
    """The preview for this ladder from the last year's average basket and completed group sizes, or a
    typical distribution while the merchant has no completed group."""
    period = Period.bounded(today - timedelta(days=HISTORY_DAYS - 1), today)
    count, total = await repository.average_basket(connection, tenant, period)
    sizes = [(size, groups) for status, size, groups in await repository.ended_sizes(connection, tenant, period)
             if status == GroupStatus.COMPLETED]
    organization = await organization_service.find_organization(connection, tenant.organization_id)
    fee = organization.acquisition_fee_basis_points if organization is not None else 0
    observed = bool(sizes) and count > 0
    return preview.cost_preview(
        ladder, basket=round_half_up(Decimal(total) / count) if observed else preview.TYPICAL_BASKET,
        sizes=sizes if observed else preview.TYPICAL_SIZES, observed=observed, acquisition_fee_basis_points=fee,
        max_participants=max_participants,
    )
