"""Orders: one purchase reported by a merchant, the unit of participation in a group."""

from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table

from kohort.models.base import JSONType, UTCDateTime, metadata


class OrderStatus(StrEnum):
    """An order's cashback state. Here, below every service, so that settlement, cashback and
    withdrawals all spell it the same way."""

    CREATED = "CREATED"
    # The group completed and the cashback is computed, but held until `cashback_available_at` (returns
    # may still change it); the 2024-01-01 API version shows it as CREATED, the original's only word.
    CASHBACK_PENDING = "CASHBACK_PENDING"
    CASHBACK_AVAILABLE = "CASHBACK_AVAILABLE"
    CASHBACK_PROCESSING = "CASHBACK_PROCESSING"
    CASHBACK_SENT = "CASHBACK_SENT"


class LineItemType(StrEnum):
    """What a line of a shop's order is (the original's checkout sessions): only PRODUCT and SHIPPING
    lines may cost something; the others take money off."""

    PRODUCT = "PRODUCT"
    DISCOUNT = "DISCOUNT"
    SHIPPING = "SHIPPING"
    GIFT_CARD = "GIFT_CARD"
    STORE_CREDIT = "STORE_CREDIT"


orders = Table(
    "orders",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("amount_cashback", BigInteger),
    Column("application_fee_amount", BigInteger, nullable=False),
    Column("customer_email", String(255)),
    Column("customer_first_name", String(100)),
    Column("customer_last_name", String(100)),
    Column("customer_phone_number", String(40)),
    Column("payment_group_share_id", String(40)),
    Column("customer_id", ForeignKey("customers.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("locale", String(5), nullable=False),
    Column("status", String(24), nullable=False),
    Column("metadata", JSONType),
    Column("payment_group_id", ForeignKey("payment_groups.id")),
    Column("ambassador_id", String(40)),
    Column("client_reference_id", String(100)),
    Column("risk_level", String(8), nullable=False),
    # SHA-256 of the single-use withdrawal token drawn when the cashback becomes available; the token
    # itself is never stored nor returned by the API (the original leaked it, BEHAVIOUR.md §13 #6).
    Column("withdrawal_token_hash", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(40)),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(40)),
    # Sum of the order's refunds; only ever raised by a conditional UPDATE that keeps it ≤ amount.
    Column("amount_refunded", BigInteger, nullable=False, server_default="0"),
    # The acquisition fee rate fixed when the order joined (None for an owner): a refund recomputes the
    # fee on the net amount at the rate the order joined with, not today's.
    Column("application_fee_basis_points", Integer),
    # When the held cashback becomes withdrawable (the group's completion + its hold days).
    Column("cashback_available_at", UTCDateTime),
    # The shop's lines as sent ([{"name", "description", "price", "quantity", "type", "image_url",
    # "amount_total"}, …]; order.domain.LineItem), or null when none were sent.
    Column("line_items", JSONType),
    # Where the original's checkout page sent the shopper back to (checkout sessions of the shop plugins).
    Column("success_url", String(2048)),
    Column("cancel_url", String(2048)),
    # Cashback deducted, when it was released, to pay back what the shopper owed this merchant (a
    # receivable): `amount_cashback` is what is left to withdraw, the two together what the order earned.
    Column("cashback_netted", BigInteger, nullable=False, server_default="0"),
    # A shop hook may fire twice: the database, not a check in code, keeps references unique.
    Index("uq_orders_tenant_client_reference", "organization_id", "livemode", "client_reference_id", unique=True),
    # One order per shopper per group: the owner cannot join their own group, nobody joins twice.
    Index("uq_orders_group_customer", "payment_group_id", "customer_id", unique=True),
    Index("ix_orders_tenant_created", "organization_id", "livemode", "created_at"),
    Index("ix_orders_group_created", "payment_group_id", "created_at"),
)
