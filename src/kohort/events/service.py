"""Recording events in the caller's transaction, and reading them back for the events API."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.errors import KohortError, NotFound
from kohort.events import loaders, repository
from kohort.events.catalogue import EventType
from kohort.events.domain import DomainEvent, Event, WireObject
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
    # Events about one object (a join that unlocks a level: payment_group.joined and .level_unlocked)
    # share its wire form, rendered once (the object is kept beside it, so its id cannot be reused).
    rendered: dict[tuple[int, Any], tuple[Any, dict[str, Any]]] = {}
    rows = []
    for event in events:
        key = (id(event.object), type(event).wire_object)
        if key not in rendered:
            rendered[key] = (event.object, event.wire_object())
        data = rendered[key][1]
        rows.append(dict(id=new_id("evt"), **event.tenant.stamp(), type=event.type.value, created_at=now,
                         data=data, refs=event.refs() or None))
    await repository.insert_events(connection, rows)


async def record_for(
    connection: AsyncConnection, make: Callable[[WireObject], DomainEvent], kind: str, ids: Sequence[str]
) -> None:
    """One event per object of `kind` named by `ids`, as it is now in this transaction (see `loaders`)."""
    await record_events(connection, [make(item) for item in await loaders.load(connection, kind, ids)])


async def claim_new(connection: AsyncConnection, *, limit: int) -> list[Event]:
    """Up to `limit` events no consumer has handled yet, oldest first, taken by this transaction for all
    of them at once (every tenant: the consumers are the system's). An event whose `notified_at` is set
    had its emails queued already."""
    return await repository.claim_unconsumed(connection, now=clock.now(), limit=limit)


async def claim_for_emails(connection: AsyncConnection, *, limit: int) -> list[Event]:
    """Up to `limit` events fanned out to webhooks whose emails were not queued (left by consumers that
    claimed apart), oldest first, taken by this transaction."""
    return await repository.claim_unnotified(connection, now=clock.now(), limit=limit)


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
