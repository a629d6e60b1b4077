"""Recording events in the caller's transaction, and reading them back for the events API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.errors import KohortError, NotFound
from kohort.events import repository
from kohort.events.catalogue import EventType
from kohort.events.domain import CashbackAvailable, CashbackSent, DomainEvent, Event
from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.kit.listing import ListParams
from kohort.tenant import Tenant

_TYPES = frozenset(item.value for item in EventType)


async def record_event(connection: AsyncConnection, event: DomainEvent) -> None:
    """Write one event in the caller's transaction: it exists if and only if the change commits."""
    await record_events(connection, [event])


async def record_events(connection: AsyncConnection, events: Iterable[DomainEvent]) -> None:
    """Write several events with one statement (a settlement batch records thousands)."""
    now = clock.now()
    await repository.insert_events(connection, [
        {"id": new_id("evt"), **event.tenant.stamp(), "type": event.type.value, "created_at": now,
         "data": event.wire_object()}
        for event in events
    ])


async def record_for_orders(
    connection: AsyncConnection, kind: type[CashbackAvailable] | type[CashbackSent], order_ids: Sequence[str]
) -> None:
    """One `kind` event per order, for changes made in bulk by code that holds ids, not orders (settlement)."""
    await record_events(connection, [kind(order) for order in await repository.orders_by_id(connection, order_ids)])


async def get_event(connection: AsyncConnection, tenant: Tenant, event_id: str) -> Event:
    event = await repository.get(connection, tenant, event_id)
    if event is None:
        raise NotFound(f"Event {event_id} not found.")
    return event


async def list_events(
    connection: AsyncConnection, tenant: Tenant, params: ListParams, *, event_type: str | None = None
) -> tuple[list[Event], int]:
    if event_type is not None and event_type not in _TYPES:
        known = ", ".join(sorted(EventType))
        raise KohortError(f"Unknown event type {event_type!r}; one of: {known}.", code="INVALID_PARAMETER")
    return await repository.list_events(connection, tenant, params, event_type=event_type)
