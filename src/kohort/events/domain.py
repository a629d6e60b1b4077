"""The typed events services record, and the event as stored.

Each event names the object it is about, as it is right after the change; `wire_object` renders it in
the documented wire form, once, when the event is recorded (later changes to the object do not alter
what the event said)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel

from kohort.events.catalogue import EventType
from kohort.order.domain import Order
from kohort.order.schemas import to_wire_order
from kohort.payout.schemas import Payout
from kohort.referral_group.domain import ReferralGroup
from kohort.referral_group.schemas import to_wire_group
from kohort.tenant import Tenant


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True)


@dataclass(frozen=True, slots=True)
class _OrderEvent:
    type: ClassVar[EventType]
    order: Order

    @property
    def tenant(self) -> Tenant:
        return self.order.tenant

    def wire_object(self) -> dict[str, Any]:
        return _dump(to_wire_order(self.order))


@dataclass(frozen=True, slots=True)
class _GroupEvent:
    type: ClassVar[EventType]
    group: ReferralGroup

    @property
    def tenant(self) -> Tenant:
        return self.group.tenant

    def wire_object(self) -> dict[str, Any]:
        return _dump(to_wire_group(self.group))


@dataclass(frozen=True, slots=True)
class _PayoutEvent:
    type: ClassVar[EventType]
    payout: Payout

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.payout.organization_id, self.payout.livemode)

    def wire_object(self) -> dict[str, Any]:
        return _dump(self.payout)


@dataclass(frozen=True, slots=True)
class OrderCreated(_OrderEvent):
    type: ClassVar[EventType] = EventType.ORDER_CREATED


@dataclass(frozen=True, slots=True)
class CashbackAvailable(_OrderEvent):
    type: ClassVar[EventType] = EventType.ORDER_CASHBACK_AVAILABLE


@dataclass(frozen=True, slots=True)
class CashbackSent(_OrderEvent):
    type: ClassVar[EventType] = EventType.ORDER_CASHBACK_SENT


@dataclass(frozen=True, slots=True)
class GroupCreated(_GroupEvent):
    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_CREATED


@dataclass(frozen=True, slots=True)
class GroupJoined(_GroupEvent):
    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_JOINED


@dataclass(frozen=True, slots=True)
class LevelUnlocked(_GroupEvent):
    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_LEVEL_UNLOCKED


@dataclass(frozen=True, slots=True)
class GroupCompleted(_GroupEvent):
    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_SUCCEEDED


@dataclass(frozen=True, slots=True)
class GroupExpired(_GroupEvent):
    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_EXPIRED


@dataclass(frozen=True, slots=True)
class GroupCanceled(_GroupEvent):
    type: ClassVar[EventType] = EventType.PAYMENT_GROUP_CANCELED


@dataclass(frozen=True, slots=True)
class PayoutPaid(_PayoutEvent):
    type: ClassVar[EventType] = EventType.PAYOUT_PAID


@dataclass(frozen=True, slots=True)
class PayoutFailed(_PayoutEvent):
    type: ClassVar[EventType] = EventType.PAYOUT_FAILED


DomainEvent = (
    OrderCreated | CashbackAvailable | CashbackSent | GroupCreated | GroupJoined | LevelUnlocked | GroupCompleted
    | GroupExpired | GroupCanceled | PayoutPaid | PayoutFailed
)

# Every event class, by its wire type: the catalogue and the classes cannot drift apart.
EVENT_CLASSES: dict[EventType, type[Any]] = {
    cls.type: cls
    for cls in (OrderCreated, CashbackAvailable, CashbackSent, GroupCreated, GroupJoined, LevelUnlocked,
                GroupCompleted, GroupExpired, GroupCanceled, PayoutPaid, PayoutFailed)
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

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Event:
        return cls(*row)

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id, self.livemode)
