"""Payouts as the rest of the code sees them: the merchant's paying account, payouts and their
batches, frozen values built from their rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kohort.models import BatchStatus, PayoutStatus, payout_accounts, payout_batches, payouts
from kohort.models.base import check_row_shape
from kohort.tenant import Tenant

# The statuses live in models (below every service); re-exported here for the code above.
__all__ = ["BatchStatus", "Payout", "PayoutAccount", "PayoutBatch", "PayoutStatus"]


@dataclass(frozen=True, slots=True)
class PayoutAccount:
    """The merchant's own SEPA account, the debtor of every transfer (not personal data)."""

    organization_id: str
    livemode: bool
    debtor_name: str
    iban: str
    bic: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> PayoutAccount:
        return cls(*row)


@dataclass(frozen=True, slots=True)
class PayoutBatch:
    id: str
    organization_id: str
    livemode: bool
    status: BatchStatus
    provider: str
    message_id: str
    payout_count: int
    total_amount: int
    # The provider's file (a pain.001 XML) as handed to the merchant, encrypted at rest (the batch id is its
    # associated data); once confirmed, the copy with masked IBANs.
    document: str
    created_at: datetime
    confirmed_at: datetime | None
    # Whether the stored document is the masked copy kept after confirmation.
    ibans_masked: bool

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> PayoutBatch:
        (id_, organization_id, livemode, status, provider, message_id, payout_count, total_amount, document,
         created_at, confirmed_at, ibans_masked) = row
        return cls(id_, organization_id, livemode, BatchStatus(status), provider, message_id, payout_count,
                   total_amount, document, created_at, confirmed_at, bool(ibans_masked))

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id, self.livemode)


@dataclass(frozen=True, slots=True)
class Payout:
    id: str
    organization_id: str
    livemode: bool
    order_id: str
    amount: int
    currency: str
    status: PayoutStatus
    holder_name: str | None
    # AES-GCM ciphertext of the shopper's IBAN; None once the payout is settled.
    iban_encrypted: str | None
    iban_masked: str
    batch_id: str | None
    end_to_end_id: str
    # SHA-256 of the withdrawal token this payout consumed.
    token_hash: str | None
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    failed_at: datetime | None
    # Why the payout could not go into a SEPA file (REQUIRES_ATTENTION).
    attention_reason: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Payout:
        values = list(row)
        values[_PAYOUT_STATUS] = PayoutStatus(values[_PAYOUT_STATUS])
        return cls(*values)

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id, self.livemode)


_PAYOUT_STATUS = [column.name for column in payouts.columns].index("status")

check_row_shape(payout_accounts, PayoutAccount)
check_row_shape(payout_batches, PayoutBatch)
check_row_shape(payouts, Payout)
