"""The double-entry ledger: append-only postings (transactions) and their entries.

Accounts are codes (kohort.ledger.accounts) scoped by (organization, livemode) on every entry; an entry
may also name the order it concerns, which makes per-order sub-balances (what a shopper is owed) plain
sums. Nothing here is ever updated or deleted: a correction is a reversing posting.
"""

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, text

from kohort.models.base import UTCDateTime, metadata

ledger_transactions = Table(
    "ledger_transactions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    # What the posting records, e.g. "cashback.granted"; the key makes a second attempt a no-op.
    Column("kind", String(40), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("reverses_id", ForeignKey("ledger_transactions.id")),
    Column("created_at", UTCDateTime, nullable=False),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    # An entry is line `line` of its posting. No foreign key to ledger_transactions on purpose: entries
    # are only ever written by kohort.ledger.service together with their header, and a foreign key check
    # locks the header row once per entry, which was the largest single cost of bulk settlement; the
    # audit (kohort.ledger.audit) finds any entry without its posting.
    Column("transaction_id", String(40), primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("organization_id", String(40), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("account", String(40), nullable=False),
    Column("order_id", String(40)),
    # Signed integer cents: debits positive, credits negative; the entries of a posting sum to zero.
    Column("amount", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_ledger_entries_tenant_account", "organization_id", "livemode", "account"),
    # The dashboard's figures: an account's entries in a period.
    Index("ix_ledger_entries_tenant_account_created", "organization_id", "livemode", "account", "created_at"),
    # Only entries about one order (what a shopper is owed) are looked up by order.
    Index("ix_ledger_entries_order", "order_id", postgresql_where=text("order_id IS NOT NULL"),
          sqlite_where=text("order_id IS NOT NULL")),
)
