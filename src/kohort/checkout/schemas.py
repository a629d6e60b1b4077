"""Wire schemas of checkout sessions and payment intents, both views of an order (SURFACES.md §4.4)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from kohort.errors import KohortError
from kohort.http.schemas import CENTS, Cents, MetadataContents, PluginMetadata, Timestamp, WireModel
from kohort.order import domain
from kohort.order.schemas import URL_LENGTH, LineItem, OrderCreate, OrderIntakeFields, to_wire_line_items

PaymentIntentStatus = Literal["SUCCEEDED", "CASHBACK_AVAILABLE", "CASHBACK_PROCESSING", "CASHBACK_SENT"]

# The original created every payment intent as SUCCEEDED (no money moves here); the cashback states are
# the order's own.
_PAYMENT_INTENT_STATUS: dict[domain.OrderStatus, PaymentIntentStatus] = {
    domain.OrderStatus.CREATED: "SUCCEEDED",
    domain.OrderStatus.CASHBACK_AVAILABLE: "CASHBACK_AVAILABLE",
    domain.OrderStatus.CASHBACK_PROCESSING: "CASHBACK_PROCESSING",
    domain.OrderStatus.CASHBACK_SENT: "CASHBACK_SENT",
}


def _blank_is_none(value: str | None) -> str | None:
    return value or None


def _web_url(value: Any) -> Any:
    """A return URL the shopper can be sent to: http(s) only, nothing else (`javascript:` and the like)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("must be an http(s) URL")
    if not value.strip().lower().startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value


ReturnUrl = Annotated[str | None, BeforeValidator(_web_url)]
Reference = Annotated[str | None, AfterValidator(_blank_is_none)]


class LegacyIntakeFields(OrderIntakeFields):
    """What the plugins' and SDK's legacy calls add to the order intake's fields."""

    metadata: PluginMetadata = None


class CheckoutSessionCreate(LegacyIntakeFields):
    """`POST /checkout-sessions` as PrestaShop, WooCommerce and Magento send it (SURFACES.md §4.4).
    `currency` is read and dropped (everything is EUR, as in the original); so are `expiresAt` (sessions
    are complete at once) and Magento's `customerPhone` (not a field of the original either)."""

    amount_total: Cents = Field(gt=0)
    payment_client_reference_id: Reference = Field(default=None, max_length=100)
    success_url: ReturnUrl = Field(default=None, max_length=URL_LENGTH)
    cancel_url: ReturnUrl = Field(default=None, max_length=URL_LENGTH)
    currency: Any = None

    def to_order_create(self) -> OrderCreate:
        """The order this session reports. The shop's order number is `client_reference_id`, else the
        payment reference (PrestaShop and WooCommerce send both, equal)."""
        fields = {name: getattr(self, name) for name in OrderIntakeFields.model_fields}
        fields["client_reference_id"] = self.client_reference_id or self.payment_client_reference_id
        return OrderCreate.model_construct(amount=self.amount_total, **fields)


class PaymentIntentCreate(LegacyIntakeFields):
    """`POST /payment-intents` as the original's SDK sends it: `{amount, checkoutSessionId, customerId?,
    metadata?, status?}`. With a checkout session, it names that session's payment intent (every session
    has one); without, it reports a new order like `POST /orders`. `status` is read and dropped."""

    amount: Annotated[int, Field(gt=0), CENTS] | None = None
    checkout_session_id: Reference = Field(default=None, max_length=100)
    status: Any = None

    @model_validator(mode="after")
    def _has_an_amount_or_a_session(self) -> PaymentIntentCreate:
        if self.amount is None and self.checkout_session_id is None:
            raise ValueError("amount is required (or a checkoutSessionId).")
        return self

    def to_order_create(self) -> OrderCreate:
        if self.amount is None:  # only with a checkout session, which names an order already
            raise KohortError("amount is required to report a new order.", code="VALIDATION_ERROR")
        fields = {name: getattr(self, name) for name in OrderIntakeFields.model_fields}
        return OrderCreate.model_construct(amount=self.amount, **fields)


class CheckoutSession(WireModel):
    id: str
    share_id: str
    url: str
    status: Literal["COMPLETED"]
    livemode: bool
    organization_id: str
    amount_total: int
    currency: str
    locale: str
    customer_id: str
    customer_email: str | None
    customer_first_name: str | None
    customer_last_name: str | None
    customer_phone_number: str | None
    line_items: list[LineItem]
    client_reference_id: str | None
    payment_client_reference_id: str | None
    payment_group_id: str | None
    payment_group_share_id: str | None
    payment_intent_id: str
    order_id: str
    metadata: MetadataContents | None
    success_url: str | None
    cancel_url: str | None
    created_at: Timestamp
    updated_at: Timestamp


class PaymentIntent(WireModel):
    id: str
    livemode: bool
    organization_id: str
    amount: int
    # amount − cashback, as the original reported it.
    amount_captured: int
    # 0 until the group settles (Magento subtracts it from credit memos).
    amount_cashback: int
    application_fee_amount: int
    currency: str
    status: PaymentIntentStatus
    customer_id: str
    customer_email: str | None
    client_reference_id: str | None
    checkout_session_id: str
    order_id: str
    payment_group_id: str | None
    payment_group_share_id: str | None
    locale: str
    metadata: MetadataContents | None
    created_at: Timestamp
    updated_at: Timestamp


def to_wire_session(order: domain.Order, *, share_id: str, url: str) -> CheckoutSession:
    return CheckoutSession(
        id=domain.checkout_session_id(order.id), share_id=share_id, url=url, status="COMPLETED",
        livemode=order.livemode, organization_id=order.organization_id, amount_total=order.amount,
        currency=order.currency, locale=order.locale, customer_id=order.customer_id,
        customer_email=order.customer_email, customer_first_name=order.customer_first_name,
        customer_last_name=order.customer_last_name, customer_phone_number=order.customer_phone_number,
        line_items=to_wire_line_items(order), client_reference_id=order.client_reference_id,
        payment_client_reference_id=order.client_reference_id, payment_group_id=order.payment_group_id,
        payment_group_share_id=order.payment_group_share_id, payment_intent_id=domain.payment_intent_id(order.id),
        order_id=order.id, metadata=order.metadata, success_url=order.success_url, cancel_url=order.cancel_url,
        created_at=order.created_at, updated_at=order.updated_at,
    )


def to_wire_payment_intent(order: domain.Order) -> PaymentIntent:
    cashback = order.amount_cashback or 0
    return PaymentIntent(
        id=domain.payment_intent_id(order.id), livemode=order.livemode, organization_id=order.organization_id,
        amount=order.amount, amount_captured=order.amount - cashback, amount_cashback=cashback,
        application_fee_amount=order.application_fee_amount, currency=order.currency,
        status=_PAYMENT_INTENT_STATUS[order.status], customer_id=order.customer_id,
        customer_email=order.customer_email, client_reference_id=order.client_reference_id,
        checkout_session_id=domain.checkout_session_id(order.id), order_id=order.id,
        payment_group_id=order.payment_group_id, payment_group_share_id=order.payment_group_share_id,
        locale=order.locale, metadata=order.metadata, created_at=order.created_at, updated_at=order.updated_at,
    )
