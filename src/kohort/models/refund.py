"""Refunds: money a merchant gave back on an order. Append-only: a refund is never edited nor deleted."""

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, String, Table

from kohort.models.base import UTCDateTime, metadata

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
