"""The event types a merchant can receive, by their wire name.

The original's names are kept where it had them (BEHAVIOUR.md §10.2, SURFACES.md §3.4); the others
follow the same `object.past_tense` shape, so `order.refunded` slots in when refunds exist."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    ORDER_CREATED = "order.created"
    ORDER_CASHBACK_AVAILABLE = "order.cashback_available"
    ORDER_CASHBACK_SENT = "order.cashback_sent"
    PAYMENT_GROUP_CREATED = "payment_group.created"
    PAYMENT_GROUP_JOINED = "payment_group.joined"
    PAYMENT_GROUP_LEVEL_UNLOCKED = "payment_group.level_unlocked"
    PAYMENT_GROUP_SUCCEEDED = "payment_group.succeeded"
    PAYMENT_GROUP_EXPIRED = "payment_group.expired"
    PAYMENT_GROUP_CANCELED = "payment_group.canceled"
    PAYOUT_PAID = "payout.paid"
    PAYOUT_FAILED = "payout.failed"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled"


# What each type means and which object its `data.object` is (the README and /openapi.json show it).
DESCRIPTIONS: dict[EventType, str] = {
    EventType.ORDER_CREATED: "An order was created (the order).",
    EventType.ORDER_CASHBACK_AVAILABLE: "An order's cashback can be withdrawn: its group completed, or a "
    "transfer failed and the cashback came back (the order).",
    EventType.ORDER_CASHBACK_SENT: "The bank executed the transfer of an order's cashback (the order).",
    EventType.PAYMENT_GROUP_CREATED: "A referral group was opened (the group).",
    EventType.PAYMENT_GROUP_JOINED: "An order joined a referral group (the group, counting the new participant).",
    EventType.PAYMENT_GROUP_LEVEL_UNLOCKED: "A join reached a discount level's threshold (the group).",
    EventType.PAYMENT_GROUP_SUCCEEDED: "A group completed with two participants or more (the group).",
    EventType.PAYMENT_GROUP_EXPIRED: "A group ended without a friend joining, or was expired by the merchant (the group).",
    EventType.PAYMENT_GROUP_CANCELED: "The merchant canceled a group (the group).",
    EventType.PAYOUT_PAID: "A cashback transfer was confirmed paid (the payout).",
    EventType.PAYOUT_FAILED: "A cashback transfer failed; the shopper gets a fresh withdrawal link (the payout).",
    EventType.WEBHOOK_ENDPOINT_DISABLED: "A webhook endpoint failed every delivery for 5 days and was disabled; "
    "the brand's contact address is emailed too (the endpoint).",
}
