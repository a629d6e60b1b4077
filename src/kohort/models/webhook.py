"""Merchants' webhook endpoints and the deliveries of events to them."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, text

from kohort.models.base import JSONType, UTCDateTime, metadata

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("url", String(2048), nullable=False),
    Column("description", String(500)),
    # Event type names, or ["*"] for every type.
    Column("enabled_events", JSONType, nullable=False),
    Column("disabled", Boolean, nullable=False),
    # The signing secret (`whsec_…`), AES-GCM encrypted (kohort.kit.crypto); shown only at creation and
    # rotation. After a rotation the previous one keeps signing until `previous_secret_expires_at`.
    Column("secret_encrypted", Text, nullable=False),
    Column("previous_secret_encrypted", Text),
    Column("previous_secret_expires_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The first failed attempt since the last success (NULL while deliveries succeed): an endpoint failing
    # for 5 days is disabled.
    Column("failing_since", UTCDateTime),
    Index("ix_webhook_endpoints_tenant_created", "organization_id", "livemode", "created_at"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("endpoint_id", ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", ForeignKey("events.id"), nullable=False),
    # pending → succeeded, or failed once the retry schedule is exhausted.
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    # A sender's claim: past this instant a crashed sender's delivery is claimed again.
    Column("locked_until", UTCDateTime),
    Column("last_attempt_at", UTCDateTime),
    Column("last_status_code", Integer),
    Column("last_duration_ms", Integer),
    # At most 1 KB of the receiver's answer, or the connection error.
    Column("last_response", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
    Index("ix_webhook_deliveries_event", "event_id"),
    Index(
        "ix_webhook_deliveries_due", "next_attempt_at",
        postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'"),
    ),
)

# Every attempt of every delivery, as the merchant sees them under the endpoint's deliveries.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("delivery_id", ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("duration_ms", Integer, nullable=False),
    # At most 1 KB of the receiver's answer, or the connection error.
    Column("response", Text, nullable=False),
    # When the delivery is tried again after this attempt (NULL: it succeeded, or gave up).
    Column("next_attempt_at", UTCDateTime),
    Index("ix_webhook_attempts_delivery_attempted", "delivery_id", "attempted_at"),
)
