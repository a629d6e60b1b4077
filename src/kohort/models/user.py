"""The merchant dashboard's own accounts, their sessions and the login throttle."""

from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from kohort.models.base import UTCDateTime, metadata


class Role(StrEnum):
    """What a dashboard user may do: a viewer reads; an admin also changes settings, blocks customers, ends
    test groups, manages webhooks and payouts; an owner also manages API keys and users."""

    VIEWER = "viewer"
    ADMIN = "admin"
    OWNER = "owner"


users = Table(
    "users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("email", String(255), nullable=False),
    # Lower-cased email: one account per address across organizations, so a login needs only the address.
    Column("email_key", String(255), nullable=False, unique=True),
    Column("role", String(10), nullable=False),
    Column("locale", String(5), nullable=False),
    # Argon2id, in its PHC string form (parameters and salt included).
    Column("password_hash", String(200), nullable=False),
    Column("disabled_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_users_organization", "organization_id"),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    # SHA-256 of the cookie's token: a stolen copy of the table opens no session.
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    # A message for the session's next page only (a new API key across its redirect), sealed under a key
    # derived from the session's token: the table alone cannot read it.
    Column("flash", String(300)),
)

login_throttles = Table(
    "login_throttles",
    metadata,
    # Per address tried (known or not, so the throttle says nothing about which accounts exist).
    Column("email_key", String(255), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", UTCDateTime, nullable=False),
)
