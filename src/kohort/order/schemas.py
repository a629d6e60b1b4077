"""Wire schemas for orders: the seed page's Order object."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from kohort.http.schemas import Cents, Email, Locale, Metadata, MetadataContents, Timestamp, WireModel
from kohort.order import domain

OrderStatus = Literal["CREATED", "CASHBACK_AVAILABLE", "CASHBACK_PROCESSING", "CASHBACK_SENT"]


class Order(WireModel):
    id: str
    livemode: bool
    organization_id: str
    amount: int
    amount_cashback: int | None
    application_fee_amount: int | None
    customer_email: str | None
    customer_first_name: str | None
    customer_last_name: str | None
    customer_phone_number: str | None
    payment_group_share_id: str | None
    customer_id: str | None
    currency: str
    locale: str
    status: OrderStatus
    metadata: MetadataContents | None
    payment_group_id: str | None
    ambassador_id: str | None
    client_reference_id: str | None
    risk_level: str
    created_at: Timestamp
    created_by: str | None
    updated_at: Timestamp
    updated_by: str | None


def _blank_is_none(value: str | None) -> str | None:
    """An empty reference means none: stored as "", it would collide with the next empty one (409)."""
    return value or None


class OrderCreate(WireModel):
    amount: Cents = Field(gt=0)
    customer_email: Email | None = None
    customer_first_name: str | None = Field(default=None, max_length=100)
    customer_last_name: str | None = Field(default=None, max_length=100)
    customer_phone_number: str | None = Field(default=None, max_length=40)
    customer_id: str | None = Field(default=None, max_length=50)
    metadata: Metadata = None
    locale: Locale = None
    client_reference_id: Annotated[str | None, AfterValidator(_blank_is_none)] = Field(default=None, max_length=100)
    payment_group_share_id: str | None = Field(default=None, max_length=50)


def to_wire_order(order: domain.Order) -> Order:
    return Order.model_validate(order, from_attributes=True)
