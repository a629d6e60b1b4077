"""Rate-limit counters shared by every server process on PostgreSQL (kohort.ratelimit)."""

from sqlalchemy import BigInteger, Column, Integer, String, Table

from kohort.models.base import UTCDateTime, metadata

rate_limit_counters = Table(
    "rate_limit_counters",
    metadata,
    # "<rule>:<ip|key>:<value>"; one row per subject, holding its current window only.
    Column("bucket", String(200), primary_key=True),
    # Which fixed window the count belongs to: the Unix time divided by the rule's period.
    Column("window", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
    # When the row is of no use any more (its window ended), for the clean-up.
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)
