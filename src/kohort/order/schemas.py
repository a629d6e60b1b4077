"""Wire schemas for orders: the seed page's Order object."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from kohort.http.schemas import Cents, Email, Locale, Metadata, MetadataContents, SignedCents, Timestamp, WireModel
from kohort.kit.money import round_half_up
from kohort.kit.numbers import bounded_decimal
from kohort.order import domain

# CASHBACK_PENDING (cashback computed, held until `cashbackAvailableAt`) is this version's; 2024-01-01
# shows such an order as CREATED, the original's word for "no cashback to withdraw yet".
OrderStatus = Literal["CREATED", "CASHBACK_PENDING", "CASHBACK_AVAILABLE", "CASHBACK_PROCESSING", "CASHBACK_SENT"]
LineItemType = Literal["PRODUCT", "DISCOUNT", "SHIPPING", "GIFT_CARD", "STORE_CREDIT"]

MAX_LINE_ITEMS = 500
MAX_QUANTITY = 1_000_000
LINE_NAME_LENGTH = 500
LINE_DESCRIPTION_LENGTH = 1000
URL_LENGTH = 2048


class LineItem(WireModel):
    name: str
    description: str | None
    price: int
    quantity: int | float
    type: LineItemType
    image_url: str | None
    amount_total: int


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
    # The sum of the order's refunds; levels, cashback and fees follow `amount − amountRefunded`.
    amount_refunded: int
    # When the cashback becomes withdrawable (the group's completion + the hold); null before completion.
    cashback_available_at: Timestamp | None
    line_items: list[LineItem]
    # Cashback deducted to pay back what the shopper owed this merchant (`cashbackOwed` of the customer,
    # left by a refund of an order already paid); `amountCashback` is what is left to withdraw, and the two
    # together what the order earned.
    cashback_netted: int


def _blank_is_none(value: str | None) -> str | None:
    """An empty reference means none: stored as "", it would collide with the next empty one (409)."""
    return value or None


def _clipped(limit: int) -> Any:
    """Shop text (product names, descriptions) cut to `limit` characters rather than refused: an order
    must not be lost over a cosmetic field, and the plugins do not retry."""

    def clip(value: Any) -> Any:
        return value[:limit] if isinstance(value, str) else value

    return BeforeValidator(clip)


def _url_or_none(value: Any) -> Any:
    """An image URL longer than we keep is dropped (a cut URL would point elsewhere)."""
    return None if isinstance(value, str) and len(value) > URL_LENGTH else value


def _quantity(value: Any) -> int | float:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number")
    try:
        number = bounded_decimal(value).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValueError(f"must be a number between 0 and {MAX_QUANTITY}") from None
    if not 0 < number <= MAX_QUANTITY:
        raise ValueError(f"must be a number between 0 and {MAX_QUANTITY}")
    return int(number) if number == number.to_integral_value() else float(number)


def _line_type(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class LineItemInput(WireModel):
    """A line as the plugins send it. Per-field rules stay lenient (PrestaShop sends an empty carrier
    name for virtual carts); the type's sign rules are kept (domain.line_item_refusal)."""

    name: Annotated[str, _clipped(LINE_NAME_LENGTH)] = ""
    description: Annotated[str | None, _clipped(LINE_DESCRIPTION_LENGTH)] = None
    price: SignedCents
    quantity: Annotated[int | float, BeforeValidator(_quantity)] = 1
    type: Annotated[LineItemType, BeforeValidator(_line_type)] = "PRODUCT"
    image_url: Annotated[str | None, BeforeValidator(_url_or_none)] = None

    @model_validator(mode="after")
    def _follows_its_type(self) -> LineItemInput:
        refusal = domain.line_item_refusal(domain.LineItemType(self.type), price=self.price, quantity=self.quantity)
        if refusal:
            raise ValueError(refusal)
        return self

    def to_line_item(self) -> domain.LineItem:
        return domain.LineItem(
            name=self.name, description=self.description, price=self.price, quantity=self.quantity,
            type=domain.LineItemType(self.type), image_url=self.image_url,
            amount_total=round_half_up(Decimal(self.price) * Decimal(str(self.quantity))),
        )


class OrderIntakeFields(WireModel):
    """What every way of reporting an order sends besides its amount (`POST /orders`, the plugins'
    `POST /checkout-sessions`, the SDK's `POST /payment-intents`)."""

    customer_email: Email | None = None
    customer_first_name: str | None = Field(default=None, max_length=100)
    customer_last_name: str | None = Field(default=None, max_length=100)
    customer_phone_number: str | None = Field(default=None, max_length=40)
    customer_id: str | None = Field(default=None, max_length=50)
    metadata: Metadata = None
    locale: Locale = None
    client_reference_id: Annotated[str | None, AfterValidator(_blank_is_none)] = Field(default=None, max_length=100)
    payment_group_share_id: Annotated[str | None, AfterValidator(_blank_is_none)] = Field(default=None, max_length=50)
    line_items: list[LineItemInput] | None = Field(default=None, max_length=MAX_LINE_ITEMS)


class _OrderAmount(WireModel):
    amount: Cents = Field(gt=0)


class OrderCreate(OrderIntakeFields, _OrderAmount):
    """`POST /orders`. The amount comes first (a base placed last is read first), as it always did in
    validation messages."""


def to_wire_line_items(order: domain.Order) -> list[LineItem]:
    return [LineItem.model_validate(item, from_attributes=True) for item in order.line_items]


def to_wire_order(order: domain.Order) -> Order:
    return Order.model_validate(order, from_attributes=True)
