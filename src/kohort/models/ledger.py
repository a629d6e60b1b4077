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
    # The hash chain's sweep looks for the newest unsealed postings (kohort.ledger.chain).
    Index("ix_ledger_transactions_created", "created_at"),
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


# The hash chain over postings (kohort.ledger.chain). A seal is only ever inserted: posting
# `transaction_id` is link `position` of its tenant's chain, and `hash` covers it and the link before.
# No foreign key, as for entries: the audit finds a seal whose posting is gone.
ledger_seals = Table(
    "ledger_seals",
    metadata,
    Column("transaction_id", String(40), primary_key=True),
    Column("organization_id", String(40), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("sealed_at", UTCDateTime, nullable=False),
    Index("uq_ledger_seals_tenant_position", "organization_id", "livemode", "position", unique=True),
)

# Where each tenant's chain ends; only the sealing sweep, holding the row's lock, moves it.
ledger_chain_heads = Table(
    "ledger_chain_heads",
    metadata,
    Column("organization_id", String(40), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    # The newest posting time sealed: the next sweep looks for unsealed postings from a margin before it.
    Column("sealed_through", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
)
