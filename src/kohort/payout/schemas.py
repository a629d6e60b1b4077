"""Wire schemas for payout settings, payouts and batches. IBANs of shoppers only ever appear masked."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kohort.http.schemas import Timestamp, WireModel

PayoutStatus = Literal["PENDING", "IN_BATCH", "PAID", "FAILED"]
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
    payouts: list[Payout]
    # The pain.001 file to upload to the bank.
    xml: str


class PayoutFail(WireModel):
    reason: str = Field(default="Rejected by the bank", min_length=1, max_length=200)
