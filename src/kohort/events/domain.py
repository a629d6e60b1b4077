"""The typed events services record, and the event as stored.

Each event holds the object it is about as the API shows it (its wire schema), built by the service that
made the change, right after it: later changes to the object do not alter what the event said. This
package knows no domain: every domain imports it, none is imported by it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from kohort.events.catalogue import EventType
from kohort.tenant import Tenant


class WireObject(Protocol):
    """A response schema of the API (a pydantic model) of an object that belongs to a tenant."""

    organization_id: str
    livemode: bool

    def model_dump(self, *, mode: str, by_alias: bool) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class _ObjectEvent:
    type: ClassVar[EventType]
    object: WireObject

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.object.organization_id, self.object.livemode)

    def wire_object(self) -> dict[str, Any]:
        return self.object.model_dump(mode="json", by_alias=True)

    def refs(self) -> dict[str, Any]:
        """What consumers need beyond the object (ids of related objects), stored beside it, never on the wire."""
        return {}


@dataclass(frozen=True, slots=True)
class _CausedByOrder(_ObjectEvent):
    # The order whose intake caused the event, if one did (the shopper emails are about it).
    order_id: str | None = None

    def refs(self) -> dict[str, Any]:
        return {"order_id": self.order_id} if self.order_id else {}


@dataclass(frozen=True, slots=True)
class OrderCreated(_ObjectEvent):
    """`object`: the order."""

    type: ClassVar[EventType] = EventType.ORDER_CREATED


@dataclass(frozen=True, slots=True)
class CashbackAvailable(_ObjectEvent):
    """`object`: the order, CASHBACK_AVAILABLE (never a withdrawal token: the email consumer issues the
    token when it writes the link). `payout_id`: the failed payout that gave the cashback back, if any."""

    type: ClassVar[EventType] = EventType.ORDER_CASHBACK_AVAILABLE
    payout_id: str | None = None

    def refs(self) -> dict[str, Any]:
        return {"payout_id": self.payout_id} if self.payout_id else {}


@dataclass(frozen=True, slots=True)
class CashbackSent(_ObjectEvent):
    """`object`: the order, CASHBACK_SENT."""

    type: ClassVar[EventType] = EventType.ORDER_CASHBACK_SENT


@dataclass(frozen=True, slots=True)
class GroupCreated(_CausedByOrder):
    """`object`: the group."""

    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_CREATED


@dataclass(frozen=True, slots=True)
class GroupJoined(_CausedByOrder):
    """`object`: the group, counting the new participant."""

    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_JOINED


@dataclass(frozen=True, slots=True)
class LevelUnlocked(_CausedByOrder):
    """`object`: the group whose participant count just reached a level's threshold."""

    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_LEVEL_UNLOCKED


@dataclass(frozen=True, slots=True)
class GroupCompleted(_ObjectEvent):
    """`object`: the group, COMPLETED."""

    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_SUCCEEDED


@dataclass(frozen=True, slots=True)
class GroupExpired(_ObjectEvent):
    """`object`: the group, EXPIRED. `settled`: it ended alone at its end (its owner is told), rather than
    being expired by the merchant."""

    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_EXPIRED
    settled: bool = False

    def refs(self) -> dict[str, Any]:
        return {"settled": True} if self.settled else {}


@dataclass(frozen=True, slots=True)
class GroupCanceled(_ObjectEvent):
    """`object`: the group, CANCELED."""

    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_CANCELED


@dataclass(frozen=True, slots=True)
class PayoutPaid(_ObjectEvent):
    """`object`: the payout, PAID (IBAN masked)."""

    type: ClassVar[EventType] = EventType.PAYOUT_PAID


@dataclass(frozen=True, slots=True)
class PayoutFailed(_ObjectEvent):
    """`object`: the payout, FAILED (IBAN masked)."""

    type: ClassVar[EventType] = EventType.PAYOUT_FAILED


@dataclass(frozen=True, slots=True)
class WebhookEndpointDisabled(_ObjectEvent):
    """`object`: the webhook endpoint, disabled after failing for 5 days."""

    type: ClassVar[EventType] = EventType.WEBHOOK_ENDPOINT_DISABLED


DomainEvent = (
    OrderCreated | CashbackAvailable | CashbackSent | GroupCreated | GroupJoined | LevelUnlocked | GroupCompleted
    | GroupExpired | GroupCanceled | PayoutPaid | PayoutFailed | WebhookEndpointDisabled
)

# Every event class, by its wire type: the catalogue and the classes cannot drift apart.
EVENT_CLASSES: dict[EventType, type[Any]] = {
    cls.type: cls
    for cls in (OrderCreated, CashbackAvailable, CashbackSent, GroupCreated, GroupJoined, LevelUnlocked,
                GroupCompleted, GroupExpired, GroupCanceled, PayoutPaid, PayoutFailed, WebhookEndpointDisabled)
}


@dataclass(frozen=True, slots=True)
class Event:
    """An event as recorded: `data` is the object in the documented (camelCase) wire form, shown in
    `api_version` (the organization's version when the event happened)."""

    id: str
    organization_id: str
    livemode: bool
    type: str
    api_version: str
    created_at: datetime
    data: dict[str, Any]
    dispatched_at: datetime | None
    notified_at: datetime | None
    refs: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Event:
        return cls(*row)

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id, self.livemode)

    def ref(self, name: str) -> Any:
        return (self.refs or {}).get(name)
