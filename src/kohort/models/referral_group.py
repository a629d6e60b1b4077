"""Referral groups ("payment groups"), each carrying the copy of the settings taken at its creation."""

from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table

from kohort.models.base import JSONType, UTCDateTime, metadata


class GroupStatus(StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


class ReminderState(StrEnum):
    """Which owner reminder a group has had (the original's `reminderEmailSent`)."""

    NOT_SENT = "NOT_SENT"
    MIDWAY_SENT = "MIDWAY_SENT"
    DAY3_SENT = "DAY3_SENT"
    DAY2_BEFORE_END_SENT = "DAY2_BEFORE_END_SENT"


payment_groups = Table(
    "payment_groups",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("share_id", String(40), nullable=False),
    # Upper-cased share code: codes match case-insensitively and are unique across all tenants.
    Column("share_key", String(40), nullable=False, unique=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False),
    Column("creator_email", String(255)),
    Column("status", String(12), nullable=False),
    Column("metadata", JSONType),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("mid_expire_at", UTCDateTime),
    Column("j_minus2_expire_at", UTCDateTime),
    Column("j_plus3_start_at", UTCDateTime),
    Column("reminder_email_sent", String(24), nullable=False),
    Column("canceled_at", UTCDateTime),
    Column("completed_at", UTCDateTime),
    # Orders in the group. Only ever changed by a conditional UPDATE on this row, which is what
    # keeps a group within max_participants under concurrent joins.
    Column("participant_count", Integer, nullable=False),
    # The settings copy (the original's per-group PaymentGroupSettings snapshot).
    Column("settings_id", String(40), nullable=False),
    Column("discount_type", String(12), nullable=False),
    # Snake_case levels as organization.ladder.DiscountLevel.to_stored writes them, ascending.
    Column("discount_levels", JSONType, nullable=False),
    Column("max_participants", Integer, nullable=False),
    Column("minutes_duration", Integer, nullable=False),
    Column("min_purchase_value", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(40)),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(40)),
    Index("ix_payment_groups_tenant_created", "organization_id", "livemode", "created_at"),
    Index("ix_payment_groups_status_expires", "status", "expires_at"),
    # The dashboard's figures: groups completed, or expired, in a period.
    Index("ix_payment_groups_tenant_completed", "organization_id", "livemode", "completed_at"),
    Index("ix_payment_groups_tenant_status_expires", "organization_id", "livemode", "status", "expires_at"),
)
