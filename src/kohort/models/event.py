"""Events: what happened to a merchant's objects, in the order it happened, written in the transaction
of the change (the outbox every consumer reads: the events API, webhooks, emails)."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, text

from kohort.models.base import JSONType, UTCDateTime, metadata

events = Table(
    "events",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("type", String(64), nullable=False),
    # The organization's API version when the event happened, read by the insert itself: `data` is
    # shown in that version for ever after, whatever the organization's version becomes.
    Column("api_version", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The object as it was at the event, in the documented (camelCase) wire form.
    Column("data", JSONType, nullable=False),
    # When the webhook sweep turned the event into deliveries (NULL until then): the order path writes
    # the event alone and the fan-out to endpoints happens after commit, in bulk.
    Column("dispatched_at", UTCDateTime),
    # When the email consumer handled the event (NULL until then), claimed by a conditional write.
    Column("notified_at", UTCDateTime),
    # Ids of related objects that consumers need beyond `data` (the order that joined a group, the failed
    # payout that gave a cashback back): internal, never shown on the wire, never a secret.
    Column("refs", JSONType),
    Index("ix_events_tenant_created", "organization_id", "livemode", "created_at"),
    Index("ix_events_tenant_type_created", "organization_id", "livemode", "type", "created_at"),
    Index(
        "ix_events_undispatched", "created_at",
        postgresql_where=text("dispatched_at IS NULL"), sqlite_where=text("dispatched_at IS NULL"),
    ),
    Index(
        "ix_events_unnotified", "created_at",
        postgresql_where=text("notified_at IS NULL"), sqlite_where=text("notified_at IS NULL"),
    ),
)
