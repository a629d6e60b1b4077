"""What the ledger records, as the rest of the code sees it: postings (a header and its entries) to be
written, and the rows they were written as."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from kohort.ledger.accounts import Account
from kohort.models import ledger_entries, ledger_transactions
from kohort.models.base import check_row_shape
from kohort.tenant import Tenant

REVERSED_SUFFIX = ".reversed"


class PostingKind(StrEnum):
    """What a posting records; a correction is the original's kind with `.reversed`."""

    GROUP_SETTLED = "group.settled"
    CASHBACK_WITHDRAWN = "cashback.withdrawn"
    CASHBACK_PAID = "cashback.paid"
    # A refund's effect on cashback and fees: the differences against what was recorded, never an edit.
    REFUND_ADJUSTED = "refund.adjusted"
    # What a shopper owed back, deducted from a new cashback of theirs.
    RECEIVABLE_NETTED = "receivable.netted"
    GROUP_SETTLED_REVERSED = "group.settled.reversed"
    CASHBACK_WITHDRAWN_REVERSED = "cashback.withdrawn.reversed"
    CASHBACK_PAID_REVERSED = "cashback.paid.reversed"
    REFUND_ADJUSTED_REVERSED = "refund.adjusted.reversed"
    RECEIVABLE_NETTED_REVERSED = "receivable.netted.reversed"

    @property
    def reversal(self) -> PostingKind:
        """The kind of the posting that cancels one of this kind."""
        if self.value.endswith(REVERSED_SUFFIX):
            raise ValueError(f"a {self.value} posting is itself a correction; post the original again")
        return PostingKind(self.value + REVERSED_SUFFIX)


class Entry(NamedTuple):
    """One line of a posting: `amount` cents on `account`, debit if positive, credit if negative.
    (A NamedTuple: settlement builds hundreds of thousands of them.)"""

    account: Account
    amount: int
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Posting:
    tenant: Tenant
    kind: PostingKind
    idempotency_key: str
    entries: Sequence[Entry]
    reverses_id: str | None = field(default=None)


@dataclass(frozen=True, slots=True)
class LedgerTransaction:
    """A posting as written: its header row."""

    id: str
    organization_id: str
    livemode: bool
    kind: PostingKind
    idempotency_key: str
    reverses_id: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> LedgerTransaction:
        id_, organization_id, livemode, kind, idempotency_key, reverses_id, created_at = row
        return cls(id_, organization_id, livemode, PostingKind(kind), idempotency_key, reverses_id, created_at)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One entry as written: line `line` of posting `transaction_id`."""

    transaction_id: str
    line: int
    organization_id: str
    livemode: bool
    account: Account
    order_id: str | None
    amount: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> LedgerEntry:
        transaction_id, line, organization_id, livemode, account, order_id, amount, created_at = row
        return cls(transaction_id, line, organization_id, livemode, Account(account), order_id, amount, created_at)


check_row_shape(ledger_transactions, LedgerTransaction)
check_row_shape(ledger_entries, LedgerEntry)


# What the audit (kohort.ledger.audit) reads of the books and of what they record: plain rows, one
# tenant at a time. NamedTuples: a large book has hundreds of thousands of them.


class AuditOrder(NamedTuple):
    id: str
    group_id: str | None
    amount: int
    amount_refunded: int
    amount_cashback: int | None
    application_fee_amount: int
    application_fee_basis_points: int | None
    status: str
    # Cashback that went to pay the shopper's debts back (the ledger's RECEIVABLE_NETTED postings say how much).
    cashback_netted: int


class AuditGroup(NamedTuple):
    id: str
    status: str
    participant_count: int
    discount_type: str
    discount_levels: Any
    released: bool


class AuditRefunds(NamedTuple):
    """An order's refunds: their total, and the part refunded before the group's cashback was released
    (which is what decides whether the order still counts as a participant)."""

    total: int
    before_release: int


class AuditPayout(NamedTuple):
    id: str
    order_id: str
    amount: int
    status: str
    batch_id: str | None


class AuditBatch(NamedTuple):
    id: str
    status: str
    payout_count: int
    total_amount: int


class PostingLine(NamedTuple):
    """One entry with its posting's header; the entry's fields are None for a header without entries."""

    transaction_id: str
    kind: str
    idempotency_key: str
    reverses_id: str | None
    line: int | None
    account: str | None
    order_id: str | None
    amount: int | None
