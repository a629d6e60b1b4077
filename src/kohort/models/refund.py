"""Refunds: money a merchant gave back on an order. Append-only: a refund is never edited nor deleted."""

from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, String, Table

from kohort.models.base import UTCDateTime, metadata


class RefundStage(StrEnum):
    """Where the order's group stood when the refund came, which decides what it changes (issue 10)."""

    # No cashback at stake: no group, or one that was canceled or expired.
    NO_CASHBACK = "no_cashback"
    # The group is open: the order counts on its net amount, or not at all once refunded in full.
    BEFORE_END = "before_end"
    # The group completed and its cashback is held: every member's level and cashback are recomputed.
    DURING_HOLD = "during_hold"
    # The cashback was released: only the refunding shopper's own cashback changes.
    AFTER_HOLD = "after_hold"


refunds = Table(
    "refunds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("reason", String(500)),
    Column("client_reference_id", String(100)),
    # What the refund did to the order's group: before_end, during_hold or after_hold (fraud scoring
    # later reads who refunded what, when, and at which stage).
    Column("stage", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The API key that asked for it.
    Column("created_by", String(40)),
    # A shop hook may fire twice: the database keeps references unique per tenant.
    Index("uq_refunds_tenant_client_reference", "organization_id", "livemode", "client_reference_id", unique=True),
    Index("ix_refunds_tenant_created", "organization_id", "livemode", "created_at"),
    Index("ix_refunds_order", "order_id", "created_at"),
)
