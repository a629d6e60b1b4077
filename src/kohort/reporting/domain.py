"""A period's figures, as plain integers (cents and counts); ratios are kept as their two terms so that
nothing is rounded before it is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Period:
    """Whole UTC days, both ends included."""

    first_day: date
    last_day: date

    @classmethod
    def bounded(cls, first_day: date, last_day: date) -> Period:
        """The period as asked, put in order and cut to MAX_DAYS days (ending on `last_day`)."""
        if first_day > last_day:
            first_day, last_day = last_day, first_day
        return cls(max(first_day, last_day - timedelta(days=MAX_DAYS - 1)), last_day)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=UTC)

    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=offset) for offset in range((self.last_day - self.first_day).days + 1)]


@dataclass(frozen=True, slots=True)
class DayTotals:
    """One UTC day's orders and money: what the home page adds up, day by day."""

    day: date
    orders: int
    orders_amount: int
    referred_orders: int
    referred_amount: int
    cashback_expense: int
    fee_expense: int
    merchant_funds: int

    @classmethod
    def empty(cls, day: date) -> DayTotals:
        return cls(day, 0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class DayOrders:
    day: date
    own: int  # orders that opened a group (or joined none)
    referred: int  # orders that joined someone else's group


@dataclass(frozen=True, slots=True)
class WeekMoney:
    monday: date
    cashback: int  # cents promised (the cashback expense booked that week)
    fees: int  # cents of acquisition fees booked that week, VAT included


@dataclass(frozen=True, slots=True)
class Figures:
    period: Period
    orders: int
    orders_amount: int
    referred_orders: int
    referred_amount: int
    groups_opened: int
    groups_completed: int
    groups_expired: int
    # Participants summed over the groups that ended (completed or expired) in the period.
    ended_participants: int
    cashback_promised: int
    cashback_paid: int
    fees_net: int
    fees_vat: int
    orders_per_day: tuple[DayOrders, ...]
    # Final size → how many groups ended with it.
    size_distribution: tuple[tuple[int, int], ...]
    money_per_week: tuple[WeekMoney, ...]

    @property
    def groups_ended(self) -> int:
        return self.groups_completed + self.groups_expired

    @property
    def fees_total(self) -> int:
        return self.fees_net + self.fees_vat
