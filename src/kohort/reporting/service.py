"""The home page's figures for a period and a mode, each from one SQL aggregate, exact to the cent."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.kit import clock
from kohort.kit.money import round_half_up
from kohort.ledger.accounts import Account
from kohort.models import GroupStatus
from kohort.organization import service as organization_service
from kohort.organization.ladder import Ladder
from kohort.reporting import preview, repository
from kohort.reporting.domain import DayOrders, DayTotals, Figures, Period, WeekMoney
from kohort.reporting.preview import CostPreview
from kohort.tenant import Tenant

_MONEY_ACCOUNTS = (Account.CASHBACK_EXPENSE, Account.ACQUISITION_FEE_EXPENSE, Account.MERCHANT_FUNDS)
_DAY_FIELDS = ("orders", "orders_amount", "referred_orders", "referred_amount", "cashback_expense", "fee_expense",
               "merchant_funds")
_ACCOUNT_TOTALS = {Account.CASHBACK_EXPENSE: "cashback_expense", Account.ACQUISITION_FEE_EXPENSE: "fee_expense",
                   Account.MERCHANT_FUNDS: "merchant_funds"}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# How long after a day ends its orders and ledger entries are final (a transaction stamps its rows when it
# starts writing; none lasts anywhere near this): from then on, the day's totals are kept, not recomputed.
FINAL_AFTER = timedelta(hours=1)


async def compute_days(connection: AsyncConnection, tenant: Tenant, period: Period) -> dict[date, DayTotals]:
    """Every day of the period, from the orders and the ledger (one aggregate each)."""
    totals: dict[date, dict[str, int]] = {day: dict.fromkeys(_DAY_FIELDS, 0) for day in period.days()}
    for day, count, amount, referred, referred_amount in await repository.orders_per_day(connection, tenant, period):
        totals[day].update(orders=count, orders_amount=amount, referred_orders=referred,
                           referred_amount=referred_amount)
    for day, account, amount in await repository.ledger_per_day(connection, tenant, period, _MONEY_ACCOUNTS):
        totals[day][_ACCOUNT_TOTALS[Account(account)]] += amount
    return {day: DayTotals(day=day, **values) for day, values in totals.items()}


def last_final_day(now: datetime) -> date:
    return (now - FINAL_AFTER).date() - timedelta(days=1)


async def day_totals(connection: AsyncConnection, tenant: Tenant, period: Period) -> list[DayTotals]:
    """The period's days: the final ones as kept (kept now if they were not yet), the others computed."""
    now = clock.now()
    last_final = min(period.last_day, last_final_day(now))
    found: dict[date, DayTotals] = {}
    if period.first_day <= last_final:
        final = Period(period.first_day, last_final)
        found = {totals.day: totals for totals in await repository.stored_days(connection, tenant, final)}
        missing = [day for day in final.days() if day not in found]
        if missing:
            computed = await compute_days(connection, tenant, Period(missing[0], missing[-1]))
            fresh = [computed[day] for day in missing]
            await repository.store_days(connection, tenant, fresh, now=now)
            found.update({totals.day: totals for totals in fresh})
    if last_final < period.last_day:
        found.update(await compute_days(connection, tenant,
                                        Period(max(period.first_day, last_final + timedelta(days=1)), period.last_day)))
    return [found[day] for day in period.days()]


async def forget_order_day(connection: AsyncConnection, tenant: Tenant, created_at: datetime) -> None:
    """An order changed what it counts as (it moved to a group of its own): its day is recomputed when next read."""
    await repository.forget_day(connection, tenant, created_at.astimezone(UTC).date())


async def figures(connection: AsyncConnection, tenant: Tenant, period: Period) -> Figures:
    days = await day_totals(connection, tenant, period)
    sizes = await repository.ended_sizes(connection, tenant, period)
    fees_total, fees_net = await repository.fees_of_completed_groups(connection, tenant, period)

    weeks: dict[date, dict[str, int]] = {_monday(day): defaultdict(int) for day in period.days()}
    for totals in days:
        weeks[_monday(totals.day)]["cashback"] += totals.cashback_expense
        weeks[_monday(totals.day)]["fees"] += totals.fee_expense
    distribution: dict[int, int] = defaultdict(int)
    for _status, size, count in sizes:
        distribution[size] += count
    return Figures(
        period=period,
        orders=sum(totals.orders for totals in days), orders_amount=sum(totals.orders_amount for totals in days),
        referred_orders=sum(totals.referred_orders for totals in days),
        referred_amount=sum(totals.referred_amount for totals in days),
        groups_opened=await repository.groups_opened(connection, tenant, period),
        groups_completed=sum(count for status, _size, count in sizes if status == GroupStatus.COMPLETED),
        groups_expired=sum(count for status, _size, count in sizes if status == GroupStatus.EXPIRED),
        ended_participants=sum(size * count for _status, size, count in sizes),
        cashback_promised=sum(totals.cashback_expense for totals in days),
        # The merchant's funds are credited as transfers execute.
        cashback_paid=-sum(totals.merchant_funds for totals in days),
        fees_net=fees_net, fees_vat=fees_total - fees_net,
        orders_per_day=tuple(DayOrders(day=totals.day, own=totals.orders - totals.referred_orders,
                                       referred=totals.referred_orders) for totals in days),
        size_distribution=tuple(sorted(distribution.items())),
        money_per_week=tuple(WeekMoney(monday=monday, cashback=values["cashback"], fees=values["fees"])
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
