"""The aggregates behind the figures. Every statement starts from the tenant's rows and a time range on an
indexed column (see migration 0014), so a period costs the rows in it, not the table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from kohort.db import insert_ignoring_conflicts
from kohort.ledger.accounts import Account
from kohort.models import GroupStatus, daily_figures, ledger_entries, orders, payment_groups
from kohort.reporting.domain import DayTotals, Period
from kohort.tenant import Tenant


def _day(connection: AsyncConnection, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column (PostgreSQL's depends on the session's time zone otherwise)."""
    if connection.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite stores naive UTC text


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _referred() -> ColumnElement[bool]:
    """An order that joined someone else's group (the group's owner is another customer)."""
    return and_(payment_groups.c.id.is_not(None), payment_groups.c.customer_id != orders.c.customer_id)


async def orders_per_day(connection: AsyncConnection, tenant: Tenant, period: Period) -> list[tuple[date, int, int, int, int]]:
    """Per day: (day, orders, amount, referred orders, referred amount)."""
    day = _day(connection, orders.c.created_at).label("day")
    referred = _referred()
    statement = (
        select(
            day, func.count(), func.coalesce(func.sum(orders.c.amount), 0),
            func.coalesce(func.sum(case((referred, 1), else_=0)), 0),
            func.coalesce(func.sum(case((referred, orders.c.amount), else_=0)), 0),
        )
        .select_from(orders.outerjoin(payment_groups, payment_groups.c.id == orders.c.payment_group_id))
        .where(tenant.owns(orders), orders.c.created_at >= period.start, orders.c.created_at < period.end)
        .group_by(day)
    )
    return [(as_date(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]))
            for row in (await connection.execute(statement)).all()]


async def groups_opened(connection: AsyncConnection, tenant: Tenant, period: Period) -> int:
    statement = select(func.count()).select_from(payment_groups).where(
        tenant.owns(payment_groups), payment_groups.c.created_at >= period.start,
        payment_groups.c.created_at < period.end,
    )
    return int((await connection.execute(statement)).scalar_one())


def _ended_in(period: Period) -> ColumnElement[bool]:
    """Completed in the period, or expired with their end in it (canceled groups never ran their course)."""
    return or_(
        and_(payment_groups.c.status == GroupStatus.COMPLETED, payment_groups.c.completed_at >= period.start,
             payment_groups.c.completed_at < period.end),
        and_(payment_groups.c.status == GroupStatus.EXPIRED, payment_groups.c.expires_at >= period.start,
             payment_groups.c.expires_at < period.end),
    )


async def ended_sizes(connection: AsyncConnection, tenant: Tenant, period: Period) -> list[tuple[str, int, int]]:
    """(status, final participant count, groups) for the groups that ended in the period."""
    statement = (
        select(payment_groups.c.status, payment_groups.c.participant_count, func.count())
        .where(tenant.owns(payment_groups), _ended_in(period))
        .group_by(payment_groups.c.status, payment_groups.c.participant_count)
    )
    return [(str(row[0]), int(row[1]), int(row[2])) for row in (await connection.execute(statement)).all()]


async def fees_of_completed_groups(connection: AsyncConnection, tenant: Tenant, period: Period) -> tuple[int, int]:
    """(total, net) acquisition fees of the orders whose group completed in the period: what the ledger
    booked as fees then. The fee is net + 20 % VAT on the net, each rounded half-up, so the net is
    exactly round_half_up(total / 1.2) = (5 × total + 3) div 6 in integers (the VAT's rounding moves the
    total by less than 0.5, which 1.2 shrinks further)."""
    fee = orders.c.application_fee_amount
    statement = (
        select(func.coalesce(func.sum(fee), 0), func.coalesce(func.sum((fee * 5 + 3) // 6), 0))
        .select_from(orders.join(payment_groups, payment_groups.c.id == orders.c.payment_group_id))
        .where(tenant.owns(payment_groups), payment_groups.c.status == GroupStatus.COMPLETED,
               payment_groups.c.completed_at >= period.start, payment_groups.c.completed_at < period.end,
               tenant.owns(orders))
    )
    total, net = (await connection.execute(statement)).one()
    return int(total), int(net)


async def ledger_per_day(connection: AsyncConnection, tenant: Tenant, period: Period,
                         accounts: tuple[Account, ...]) -> list[tuple[date, str, int]]:
    """(day, account, sum of entries) for these accounts in the period."""
    day = _day(connection, ledger_entries.c.created_at).label("day")
    statement = (
        select(day, ledger_entries.c.account, func.sum(ledger_entries.c.amount))
        .where(tenant.owns(ledger_entries), ledger_entries.c.account.in_([str(account) for account in accounts]),
               ledger_entries.c.created_at >= period.start, ledger_entries.c.created_at < period.end)
        .group_by(day, ledger_entries.c.account)
    )
    return [(as_date(row[0]), str(row[1]), int(row[2])) for row in (await connection.execute(statement)).all()]


async def average_basket(connection: AsyncConnection, tenant: Tenant, period: Period) -> tuple[int, int]:
    """(orders, their total amount) in the period."""
    statement = select(func.count(), func.coalesce(func.sum(orders.c.amount), 0)).where(
        tenant.owns(orders), orders.c.created_at >= period.start, orders.c.created_at < period.end)
    count, total = (await connection.execute(statement)).one()
    return int(count), int(total)


_TOTALS = ("orders", "orders_amount", "referred_orders", "referred_amount", "cashback_expense", "fee_expense",
           "merchant_funds")


async def stored_days(connection: AsyncConnection, tenant: Tenant, period: Period) -> list[DayTotals]:
    """The kept totals of the period's days (the days not kept yet are missing)."""
    statement = select(daily_figures.c.day, *(daily_figures.c[name] for name in _TOTALS)).where(
        tenant.owns(daily_figures), daily_figures.c.day >= period.first_day, daily_figures.c.day <= period.last_day)
    return [DayTotals(as_date(row[0]), *(int(value) for value in row[1:]))
            for row in (await connection.execute(statement)).all()]


async def store_days(connection: AsyncConnection, tenant: Tenant, days: list[DayTotals], *, now: datetime) -> None:
    """Keeps these totals; a day another request kept first stays as it is (the same figures: its data is final)."""
    if not days:
        return
    statement = insert_ignoring_conflicts(connection, daily_figures, ["organization_id", "livemode", "day"])
    await connection.execute(statement, [
        {**tenant.stamp(), "day": totals.day, **{name: getattr(totals, name) for name in _TOTALS},
         "computed_at": now} for totals in days])


async def forget_day(connection: AsyncConnection, tenant: Tenant, day: date) -> None:
    await connection.execute(delete(daily_figures).where(tenant.owns(daily_figures), daily_figures.c.day == day))
