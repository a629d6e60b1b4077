"""Organizations (merchants), their API keys and their group settings per mode."""

from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, String, Table

from kohort.models.base import JSONType, UTCDateTime, metadata


class ApiKeyKind(StrEnum):
    """Secret keys (sk_…) for merchant back-ends; publishable keys (pk_…) may only validate share codes."""

    SECRET = "secret"
    PUBLISHABLE = "publishable"


class ShareCodePrefix(StrEnum):
    """The prefix of new share codes. `KHT` is today's; `KHTPAY` the original's first one, the only one
    the WooCommerce plugin recognises (it intercepts coupons starting with `khtpay-`)."""

    KHT = "KHT"
    KHTPAY = "KHTPAY"


organizations = Table(
    "organizations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    # Default wire version for keys of this organization (see kohort.http.versions).
    Column("api_version", String(10), nullable=False),
    # Acquisition fee in hundredths of a percent: 1000 = 10.00 % (the original's decimal(5,2)).
    Column("acquisition_fee_basis_points", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False, index=True),
    Column("livemode", Boolean, nullable=False),
    Column("kind", String(12), nullable=False),  # ApiKeyKind
    # SHA-256 of the whole key; the key itself is shown once, at creation.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("preview", String(20), nullable=False),  # "sk_test_…a1b2", for people
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    # Written at most once a minute per key (kohort.auth.service), not on every request.
    Column("last_used_at", UTCDateTime, nullable=True),
    # A rolled key keeps working until then (its grace period); NULL: no end.
    Column("expires_at", UTCDateTime, nullable=True),
    # Who issued and who revoked it: a user id (dashboard), a key id (API) or "cli"; NULL before 0023.
    Column("created_by", String(40), nullable=True),
    Column("revoked_by", String(40), nullable=True),
)

group_settings = Table(
    "group_settings",
    metadata,
    Column("id", String(40), nullable=False, unique=True),
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    Column("discount_type", String(12), nullable=False),
    # [{"level": 1, "participants_to_unlock": 2, "value": 5}, …], ascending (ladder.DiscountLevel.to_stored).
    Column("discount_levels", JSONType, nullable=False),
    Column("max_participants", Integer, nullable=False),
    Column("minutes_duration", Integer, nullable=False),
    Column("min_purchase_value", BigInteger, nullable=False),
    # What new share codes start with (ShareCodePrefix): WooCommerce shops need `KHTPAY`.
    Column("share_code_prefix", String(8), nullable=False, server_default="KHT"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Days a completed group's cashback is held before it can be withdrawn (the EU 14-day right of
    # withdrawal by default; 0 releases it at completion).
    Column("cashback_hold_days", Integer, nullable=False, server_default="14"),
)
