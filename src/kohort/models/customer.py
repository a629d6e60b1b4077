"""Shoppers, one row per (organization, mode, email)."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table

from kohort.models.base import JSONType, UTCDateTime, metadata

customers = Table(
    "customers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("email_address", String(255), nullable=False),
    # Lower-cased email: uniqueness and lookups are case-insensitive (the original's were not).
    Column("email_key", String(255), nullable=False),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("phone_number", String(40)),
    Column("locale", String(5), nullable=False),
    Column("is_blocked", Boolean, nullable=False),
    Column("blocked_at", UTCDateTime),
    Column("blocked_by", String(40)),
    Column("client_reference_id", String(100)),
    Column("metadata", JSONType),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(40)),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(40)),
    Column("deleted_at", UTCDateTime),
    # A GDPR erasure: when, and by which API key (the personal columns above then hold a pseudonym).
    Column("erased_at", UTCDateTime),
    Column("erased_by", String(40)),
    Index("uq_customers_tenant_email", "organization_id", "livemode", "email_key", unique=True),
    Index("ix_customers_tenant_created", "organization_id", "livemode", "created_at"),
)
