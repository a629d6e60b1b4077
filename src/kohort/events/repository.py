"""Queries for events, always inside one tenant (the insert places each row in its event's tenant), except
the consumers' claims, which are the system's and span tenants like the settlement sweep."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, Text, bindparam, cast, func, insert, or_, select, update
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



async def claim_unnotified(connection: AsyncConnection, *, now: datetime, limit: int) -> list[Event]:
    """The oldest events the email consumer has not handled, marked handled by this transaction: the
    conditional write lets one transaction only take each event (SKIP LOCKED spares concurrent claimers
    the wait on PostgreSQL), and a rollback gives them back."""
    oldest = (
        select(events.c.id)
        .where(events.c.notified_at.is_(None))
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

