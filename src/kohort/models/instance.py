"""Settings of the installation itself, not of any merchant: a name and a value (the encryption key's
fingerprint, a key rotation in progress)."""

from sqlalchemy import Column, String, Table

from kohort.models.base import UTCDateTime, metadata

instance_settings = Table(
    "instance_settings",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
