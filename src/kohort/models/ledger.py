"""The double-entry ledger: append-only postings (transactions) and their entries.

Accounts are codes (kohort.ledger.accounts) scoped by (organization, livemode) on every entry; an entry
may also name the order it concerns, which makes per-order sub-balances (what a shopper is owed) plain
sums. Nothing here is ever updated or deleted: a correction is a reversing posting.
"""

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table

from kohort.models.base import UTCDateTime, metadata

# BIGSERIAL on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
EntryId = BigInteger().with_variant(Integer(), "sqlite")

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
    Column("id", EntryId, primary_key=True, autoincrement=True),
    Column("transaction_id", ForeignKey("ledger_transactions.id"), nullable=False),
    Column("organization_id", String(40), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("account", String(40), nullable=False),
    Column("order_id", String(40)),
    # Signed integer cents: debits positive, credits negative; the entries of a posting sum to zero.
    Column("amount", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_ledger_entries_tenant_account", "organization_id", "livemode", "account"),
    Index("ix_ledger_entries_order", "order_id"),
    Index("ix_ledger_entries_transaction", "transaction_id"),
)
