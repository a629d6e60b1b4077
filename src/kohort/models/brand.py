"""How a merchant looks to its shoppers, per organization and mode (pages and emails)."""

from sqlalchemy import Boolean, Column, ForeignKey, String, Table

from kohort.models.base import UTCDateTime, metadata

brand_settings = Table(
    "brand_settings",
    metadata,
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("display_name", String(100)),
    Column("logo_url", String(500)),
    Column("color", String(6)),  # hex without '#', as the original stored it
    Column("website_url", String(500)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Where Kohort writes to the merchant about its integration (a webhook endpoint disabled, …).
    Column("contact_email", String(255)),
    # Who saved them last: a user id (dashboard) or a key id (API).
    Column("updated_by", String(40)),
)
