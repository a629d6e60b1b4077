"""Wire schemas for refunds."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from kohort.http.schemas import CENTS, Cents, Timestamp, WireModel
from kohort.refund import domain


class Refund(WireModel):
    id: str
    livemode: bool
    organization_id: str
    order_id: str
    amount: int
    currency: str
    reason: str | None
    client_reference_id: str | None
    created_at: Timestamp
    # The API key that refunded.
    created_by: str | None


def to_wire_refund(refund: domain.Refund) -> Refund:
    return Refund(
        id=refund.id, livemode=refund.livemode, organization_id=refund.organization_id, order_id=refund.order_id,
        amount=refund.amount, currency="EUR", reason=refund.reason, client_reference_id=refund.client_reference_id,
        created_at=refund.created_at, created_by=refund.created_by,
    )


def _blank_is_none(value: str | None) -> str | None:
    return value or None


class RefundCreate(WireModel):
    # None: whatever of the order is not refunded yet.
    amount: Annotated[int, Field(gt=0), CENTS] | None = None
    reason: str | None = Field(default=None, max_length=500)
    client_reference_id: Annotated[str | None, AfterValidator(_blank_is_none)] = Field(default=None, max_length=100)


class LegacyRefundCreate(WireModel):
    """`POST /refunds` as the Magento module sends it (SURFACES.md §4.3 M3): the amount and the order,
    named by its id or by its payment intent."""

    amount: Cents = Field(gt=0)
    order_id: str | None = Field(default=None, max_length=50)
    payment_intent_id: str | None = Field(default=None, max_length=50)
    reason: str | None = Field(default=None, max_length=500)
    client_reference_id: Annotated[str | None, AfterValidator(_blank_is_none)] = Field(default=None, max_length=100)
