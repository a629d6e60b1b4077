"""Wire schemas for payout settings, payouts and batches. IBANs of shoppers only ever appear masked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from kohort.http.schemas import Timestamp, WireModel
from kohort.payout import domain

# The domain's StrEnums, spelled out as the OpenAPI document has always shown them.
PayoutStatus = Literal["PENDING", "IN_BATCH", "PAID", "FAILED", "REQUIRES_ATTENTION"]
BatchStatus = Literal["EXPORTED", "CONFIRMED"]


class PayoutSettings(WireModel):
    livemode: bool
    organization_id: str
    debtor_name: str | None
    iban: str | None  # masked
    bic: str | None
    updated_at: Timestamp | None


class PayoutSettingsUpdate(WireModel):
    debtor_name: str = Field(min_length=1, max_length=70)
    iban: str = Field(min_length=1, max_length=50)
    bic: str | None = Field(default=None, max_length=11)


class Payout(WireModel):
    id: str
    livemode: bool
    organization_id: str
    order_id: str
    amount: int
    currency: str
    status: PayoutStatus
    holder_name: str | None
    iban: str  # masked: "FR14 •••• 2606"
    batch_id: str | None
    end_to_end_id: str
    failure_reason: str | None
    attention_reason: str | None
    created_at: Timestamp
    updated_at: Timestamp
    paid_at: Timestamp | None
    failed_at: Timestamp | None


class PayoutBatch(WireModel):
    id: str
    livemode: bool
    organization_id: str
    status: BatchStatus
    provider: str
    message_id: str
    payout_count: int
    total_amount: int
    created_at: Timestamp
    confirmed_at: Timestamp | None
    # The pain.001 file is downloaded from GET /payout-batches/{id}/file, never carried inline: answers are
    # kept (idempotency keys) and logged where files must not be. True once the batch is confirmed: the stored
    # file then keeps masked IBANs only.
    ibans_masked: bool
    payouts: list[Payout]


def to_wire_payout(payout: domain.Payout) -> Payout:
    return Payout(
        id=payout.id, livemode=payout.livemode, organization_id=payout.organization_id, order_id=payout.order_id,
        amount=payout.amount, currency=payout.currency, status=payout.status.value, holder_name=payout.holder_name,
        iban=payout.iban_masked, batch_id=payout.batch_id, end_to_end_id=payout.end_to_end_id,
        failure_reason=payout.failure_reason, attention_reason=payout.attention_reason, created_at=payout.created_at, updated_at=payout.updated_at,
        paid_at=payout.paid_at, failed_at=payout.failed_at,
    )


def to_wire_batch(batch: domain.PayoutBatch, payouts: Sequence[domain.Payout]) -> PayoutBatch:
    return PayoutBatch(
        id=batch.id, livemode=batch.livemode, organization_id=batch.organization_id,
        status=batch.status.value,
        provider=batch.provider, message_id=batch.message_id, payout_count=batch.payout_count,
        total_amount=batch.total_amount, created_at=batch.created_at, confirmed_at=batch.confirmed_at,
        ibans_masked=batch.ibans_masked, payouts=[to_wire_payout(payout) for payout in payouts],
    )


class PayoutFail(WireModel):
    reason: str = Field(default="Rejected by the bank", min_length=1, max_length=200)
