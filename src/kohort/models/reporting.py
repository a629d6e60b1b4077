"""The home page's per-day totals, kept once a day is over (kohort.reporting): a year of figures reads 365
rows instead of every order and ledger entry of the year."""

from sqlalchemy import BigInteger, Boolean, Column, Date, ForeignKey, Table

from kohort.models.base import UTCDateTime, metadata

daily_figures = Table(
    "daily_figures",
    metadata,
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    # A UTC calendar day that is over: its orders and ledger entries can no longer change.
    Column("day", Date, primary_key=True),
    Column("orders", BigInteger, nullable=False),
    Column("orders_amount", BigInteger, nullable=False),
    # Orders that joined someone else's group, and their amount.
    Column("referred_orders", BigInteger, nullable=False),
    Column("referred_amount", BigInteger, nullable=False),
    # Sums of that day's ledger entries on these accounts (cents).
    Column("cashback_expense", BigInteger, nullable=False),
    Column("fee_expense", BigInteger, nullable=False),
    Column("merchant_funds", BigInteger, nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
)
