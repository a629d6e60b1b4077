"""Idempotency keys: the first answer to a POST, kept for a day so that a client's retry gets it again."""

from sqlalchemy import Boolean, Column, Index, Integer, LargeBinary, String, Table

from kohort.models.base import JSONType, UTCDateTime, metadata

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # Scoped like every merchant row: the same key in another organization or mode is another request.
    Column("organization_id", String(40), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    Column("key", String(255), primary_key=True),
    # SHA-256 of the method, path and body bytes: the same key with another request is refused.
    Column("fingerprint", String(64), nullable=False),
    # running → done; a running claim whose lease has passed (its server died) may be claimed again.
    Column("status", String(12), nullable=False),
    Column("locked_until", UTCDateTime),
    # Which claim is running: only it may complete or release the row.
    Column("locked_by", String(40)),
    Column("response_status", Integer),
    # The answer as sent, headers included (content type, a redirect's location), but for the length
    # and the API version, which the replay sets again.
    Column("response_headers", JSONType),
    Column("response_body", LargeBinary),
    Column("api_version", String(10)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_idempotency_keys_expires_at", "expires_at"),
)
