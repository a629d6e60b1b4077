"""Queries for events, always inside one tenant (the insert places each row in its event's tenant), except
the consumers' claims, which are the system's and span tenants like the settlement sweep."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, Text, any_, bindparam, cast, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.events.domain import Event
from kohort.kit.listing import ListParams, order_clause
from kohort.models import events, organizations
from kohort.models.base import JSONType, UTCDateTime
from kohort.tenant import Tenant

# Built once (the order path records two or three events per request). The organization's API version
# is read by the insert itself, so recording costs no extra round trip.
_INSERT_EVENT = insert(events).values(
    id=bindparam("id", type_=String()),
    organization_id=bindparam("organization_id", type_=String()),
    livemode=bindparam("livemode", type_=Boolean()),
    type=bindparam("type", type_=String()),
    api_version=select(organizations.c.api_version)
    .where(organizations.c.id == bindparam("organization_id", type_=String()))
    .scalar_subquery(),
    created_at=bindparam("created_at", type_=UTCDateTime()),
    data=bindparam("data", type_=JSONType),
    refs=bindparam("refs", type_=JSONType),
)

# Events are listed newest first by default; createdAt is the only ordering offered.
LIST_COLUMNS = {"createdAt": events.c.created_at}


async def insert_events(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await connection.execute(_INSERT_EVENT, list(rows))


async def get(connection: AsyncConnection, tenant: Tenant, event_id: str) -> Event | None:
    row = (await connection.execute(select(events).where(tenant.owns(events), events.c.id == event_id))).first()
    return Event.from_row(row) if row is not None else None


async def list_events(
    connection: AsyncConnection, tenant: Tenant, params: ListParams, *, event_type: str | None
) -> tuple[list[Event], int]:
    conditions = [tenant.owns(events)]
    if event_type is not None:
        conditions.append(events.c.type == event_type)
    count = (await connection.execute(select(func.count()).select_from(events).where(*conditions))).scalar_one()
    statement = (
        select(events)
        .where(*conditions)
        .order_by(*order_clause(LIST_COLUMNS, params, events.c.id))
        .limit(params.take)
        .offset(params.skip)
    )
    return [Event.from_row(row) for row in (await connection.execute(statement)).all()], int(count)



# Marks claimed events handled by both consumers. The email consumer's mark is kept where it was already
# set (an event it handled alone, before both were served by one claim). PostgreSQL: `= ANY(array)`, one SQL
# text whatever the batch size, planned once per connection.
_MARK_CONSUMED_PG = (
    update(events)
    .where(events.c.id == any_(bindparam("ids", type_=ARRAY(String()))))
    .values(dispatched_at=bindparam("now", type_=UTCDateTime()),
            notified_at=func.coalesce(events.c.notified_at, bindparam("now", type_=UTCDateTime())))
)


async def claim_unconsumed(connection: AsyncConnection, *, now: datetime, limit: int) -> list[Event]:
    """The oldest events not yet handed to their consumers (webhook fan-out, emails), locked against other
    claimers (SKIP LOCKED spares them the wait on PostgreSQL; SQLite's writer is alone) and marked handled
    by this transaction: a rollback gives them back. Returned as they were before the claim, so an event
    whose `notified_at` is already set had its emails queued before."""
    statement = (
        select(events)
        .where(events.c.dispatched_at.is_(None))
        .order_by(events.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = [Event.from_row(row) for row in (await connection.execute(statement)).all()]
    if not claimed:
        return []
    ids = [event.id for event in claimed]
    if connection.dialect.name == "postgresql":
        await connection.execute(_MARK_CONSUMED_PG, {"ids": ids, "now": now})
    else:
        await connection.execute(
            update(events).where(events.c.id.in_(ids))
            .values(dispatched_at=now, notified_at=func.coalesce(events.c.notified_at, now))
        )
    return claimed


async def claim_unnotified(connection: AsyncConnection, *, now: datetime, limit: int) -> list[Event]:
    """The oldest events fanned out to webhooks but not emailed (handled by the two consumers apart, before
    one claim served both), marked emailed by this transaction: the conditional write lets one transaction
    only take each event, and a rollback gives them back."""
    oldest = (
        select(events.c.id)
        .where(events.c.notified_at.is_(None), events.c.dispatched_at.is_not(None))
        .order_by(events.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(events)
        .where(events.c.id.in_(oldest.scalar_subquery()), events.c.notified_at.is_(None))
        .values(notified_at=now)
        .returning(events)
    )
    claimed = [Event.from_row(row) for row in (await connection.execute(statement)).all()]
    return sorted(claimed, key=lambda event: (event.created_at, event.id))


# How many texts one look-up compares at once (a LIKE each).
_NEEDLES_PER_QUERY = 50


async def mentioning(connection: AsyncConnection, tenant: Tenant, needles: Sequence[str]) -> list[Event]:
    """The tenant's events whose object contains one of `needles` (case-insensitively), oldest first: the
    events about a customer, their orders, groups and payouts, for an erasure."""
    text = func.lower(cast(events.c.data, Text))
    found: dict[str, Event] = {}
    for start in range(0, len(needles), _NEEDLES_PER_QUERY):
        chunk = needles[start:start + _NEEDLES_PER_QUERY]
        statement = select(events).where(
            tenant.owns(events), or_(*(text.contains(needle.lower(), autoescape=True) for needle in chunk))
        )
        for row in (await connection.execute(statement)).all():
            event = Event.from_row(row)
            found[event.id] = event
    return sorted(found.values(), key=lambda event: (event.created_at, event.id))


async def rewrite(
    connection: AsyncConnection, tenant: Tenant, event_id: str, *, data: dict[str, Any], refs: dict[str, Any] | None
) -> None:
    """An event's stored object replaced (an erasure's pseudonym in place of personal data)."""
    await connection.execute(
        update(events).where(tenant.owns(events), events.c.id == event_id).values(data=data, refs=refs)
    )

