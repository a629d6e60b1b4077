"""Queries for webhook endpoints and deliveries. Merchant-facing ones start from the tenant filter;
the sender's are the system's (they span organizations, like the settlement sweep)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Table, Text, and_, any_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.events.domain import Event
from kohort.kit.listing import ListParams, order_clause
from kohort.models import events, webhook_attempts, webhook_deliveries, webhook_endpoints
from kohort.models.base import UTCDateTime
from kohort.tenant import Tenant
from kohort.webhook.domain import Attempt, Delivery, DeliveryStatus, WebhookEndpoint

ENDPOINT_ORDER = {"createdAt": webhook_endpoints.c.created_at}
DELIVERY_ORDER = {"createdAt": webhook_deliveries.c.created_at}


def _endpoint(row: Sequence[Any] | None) -> WebhookEndpoint | None:
    return WebhookEndpoint.from_row(row) if row is not None else None


async def insert_endpoint(connection: AsyncConnection, values: dict[str, Any]) -> WebhookEndpoint:
    statement = insert(webhook_endpoints).returning(webhook_endpoints)
    return WebhookEndpoint.from_row((await connection.execute(statement, values)).one())


async def get_endpoint(connection: AsyncConnection, tenant: Tenant, endpoint_id: str) -> WebhookEndpoint | None:
    statement = select(webhook_endpoints).where(tenant.owns(webhook_endpoints), webhook_endpoints.c.id == endpoint_id)
    return _endpoint((await connection.execute(statement)).first())


async def count_endpoints(connection: AsyncConnection, tenant: Tenant) -> int:
    statement = select(func.count()).select_from(webhook_endpoints).where(tenant.owns(webhook_endpoints))
    return int((await connection.execute(statement)).scalar_one())


async def list_endpoints(
    connection: AsyncConnection, tenant: Tenant, params: ListParams
) -> tuple[list[WebhookEndpoint], int]:
    where = tenant.owns(webhook_endpoints)
    count = (await connection.execute(select(func.count()).select_from(webhook_endpoints).where(where))).scalar_one()
    statement = (
        select(webhook_endpoints)
        .where(where)
        .order_by(*order_clause(ENDPOINT_ORDER, params, webhook_endpoints.c.id))
        .limit(params.take)
        .offset(params.skip)
    )
    return [WebhookEndpoint.from_row(row) for row in (await connection.execute(statement)).all()], int(count)


async def update_endpoint(
    connection: AsyncConnection, tenant: Tenant, endpoint_id: str, values: dict[str, Any]
) -> WebhookEndpoint | None:
    statement = (
        update(webhook_endpoints)
        .where(tenant.owns(webhook_endpoints), webhook_endpoints.c.id == endpoint_id)
        .values(**values)
        .returning(webhook_endpoints)
    )
    return _endpoint((await connection.execute(statement)).first())


async def delete_endpoint(connection: AsyncConnection, tenant: Tenant, endpoint_id: str) -> bool:
    owned = and_(tenant.owns(webhook_deliveries), webhook_deliveries.c.endpoint_id == endpoint_id)
    await connection.execute(delete(webhook_deliveries).where(owned))
    statement = delete(webhook_endpoints).where(tenant.owns(webhook_endpoints), webhook_endpoints.c.id == endpoint_id)
    return bool((await connection.execute(statement)).rowcount)


async def enabled_endpoints(connection: AsyncConnection, tenants: Sequence[Tenant]) -> list[WebhookEndpoint]:
    """The endpoints that are not disabled, of these tenants."""
    if not tenants:
        return []
    statement = select(webhook_endpoints).where(
        or_(*(tenant.owns(webhook_endpoints) for tenant in set(tenants))), webhook_endpoints.c.disabled.is_(False)
    )
    return [WebhookEndpoint.from_row(row) for row in (await connection.execute(statement)).all()]


def _unnest_insert(table: Table) -> Any:
    """PostgreSQL: `INSERT … SELECT FROM unnest(arrays)`, one array parameter per column (named after it), so
    one statement inserts a whole batch and its SQL text never changes (planned once per connection). Built
    once: constructing and caching a statement costs more CPU than a small batch's insert."""
    names = [column.name for column in table.columns]
    given = func.unnest(*(bindparam(name, [], type_=ARRAY(table.c[name].type)) for name in names)).table_valued(
        *names).render_derived(name="given")
    return insert(table).from_select(names, select(*(given.c[name] for name in names)))


_INSERT_DELIVERIES = _unnest_insert(webhook_deliveries)
_INSERT_ATTEMPTS = _unnest_insert(webhook_attempts)


async def _insert_many(connection: AsyncConnection, table: Table, unnested: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows holding every column of `table`: one statement for the batch on PostgreSQL, an executemany
    elsewhere (SQLite: one writer, local calls)."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        await connection.execute(unnested, {column.name: [row[column.name] for row in rows] for column in table.columns})
    else:
        await connection.execute(insert(table), list(rows))


async def insert_deliveries(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    await _insert_many(connection, webhook_deliveries, _INSERT_DELIVERIES, rows)


async def list_deliveries(
    connection: AsyncConnection, tenant: Tenant, endpoint_id: str, params: ListParams
) -> tuple[list[Delivery], int]:
    where = and_(tenant.owns(webhook_deliveries), webhook_deliveries.c.endpoint_id == endpoint_id)
    count = (await connection.execute(select(func.count()).select_from(webhook_deliveries).where(where))).scalar_one()
    statement = (
        select(webhook_deliveries)
        .where(where)
        .order_by(*order_clause(DELIVERY_ORDER, params, webhook_deliveries.c.id))
        .limit(params.take)
        .offset(params.skip)
    )
    return [Delivery.from_row(row) for row in (await connection.execute(statement)).all()], int(count)


async def claim_due_deliveries(
    connection: AsyncConnection, *, now: datetime, lease_until: datetime, limit: int
) -> list[tuple[Delivery, Event, WebhookEndpoint]]:
    """Pending deliveries whose attempt is due and that no live sender holds, each leased until
    `lease_until` (the sender records its result only if its lease still stands), with their event
    and endpoint."""
    due = (
        select(webhook_deliveries.c.id)
        .where(
            webhook_deliveries.c.status == DeliveryStatus.PENDING,
            webhook_deliveries.c.next_attempt_at <= now,
            or_(webhook_deliveries.c.locked_until.is_(None), webhook_deliveries.c.locked_until < now),
        )
        .order_by(webhook_deliveries.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id.in_(due.scalar_subquery()))
        .values(locked_until=lease_until, updated_at=now)
        .returning(webhook_deliveries)
    )
    deliveries = [Delivery.from_row(row) for row in (await connection.execute(claimed)).all()]
    if not deliveries:
        return []
    event_rows = await connection.execute(select(events).where(events.c.id.in_({item.event_id for item in deliveries})))
    by_event = {event.id: event for event in (Event.from_row(row) for row in event_rows.all())}
    endpoint_rows = await connection.execute(
        select(webhook_endpoints).where(webhook_endpoints.c.id.in_({item.endpoint_id for item in deliveries}))
    )
    by_endpoint = {endpoint.id: endpoint for endpoint in (WebhookEndpoint.from_row(row) for row in endpoint_rows.all())}
    return [
        (delivery, by_event[delivery.event_id], by_endpoint[delivery.endpoint_id])
        for delivery in deliveries
        if delivery.event_id in by_event and delivery.endpoint_id in by_endpoint
    ]


_DELIVERY_OUTCOME_COLUMNS = ("attempts", "last_attempt_at", "last_status_code", "last_duration_ms", "last_response",
                             "updated_at", "status", "next_attempt_at")
_OUTCOME_TYPES = {"attempts": Integer(), "last_attempt_at": UTCDateTime(), "last_status_code": Integer(),
                  "last_duration_ms": Integer(), "last_response": Text(), "updated_at": UTCDateTime(),
                  "status": String(), "next_attempt_at": UTCDateTime()}
# Built once: one execution per batch, a row of parameters per delivery (SQLite).
_UPDATE_DELIVERY = (
    update(webhook_deliveries)
    .where(webhook_deliveries.c.id == bindparam("delivery_id"))
    .values({name: bindparam(f"new_{name}") for name in _DELIVERY_OUTCOME_COLUMNS})
)


def _given(name: str, values: list[Any], type_: Any) -> Any:
    return bindparam(name, values, type_=ARRAY(type_))


# PostgreSQL: one statement for the whole batch whatever its size (arrays, one per column, unnested), so the
# SQL text never changes and the server plans it once per connection.
_OUTCOMES = func.unnest(
    _given("ids", [], String()), _given("leases", [], UTCDateTime()),
    *(_given(f"new_{name}", [], _OUTCOME_TYPES[name]) for name in _DELIVERY_OUTCOME_COLUMNS),
).table_valued("id", "lease", *_DELIVERY_OUTCOME_COLUMNS).render_derived(name="outcome")
_RECORD_OUTCOMES = (
    update(webhook_deliveries)
    .where(webhook_deliveries.c.id == _OUTCOMES.c.id, webhook_deliveries.c.locked_until == _OUTCOMES.c.lease)
    .values(locked_until=None, **{name: _OUTCOMES.c[name] for name in _DELIVERY_OUTCOME_COLUMNS})
    .returning(webhook_deliveries.c.id)
)


async def record_outcomes(
    connection: AsyncConnection, outcomes: Sequence[tuple[str, datetime, dict[str, Any]]]
) -> set[str]:
    """Write each delivery's new state — (delivery id, lease it was claimed under, values keyed by every one of
    _DELIVERY_OUTCOME_COLUMNS) — and release it, for those whose lease still stands (else another sender
    took it over, and its outcome counts); returns their ids."""
    if not outcomes:
        return set()
    if connection.dialect.name == "postgresql":
        parameters: dict[str, Any] = {"ids": [item[0] for item in outcomes], "leases": [item[1] for item in outcomes]}
        parameters.update({f"new_{name}": [item[2][name] for item in outcomes] for name in _DELIVERY_OUTCOME_COLUMNS})
        return set((await connection.execute(_RECORD_OUTCOMES, parameters)).scalars())
    # SQLite (one writer, local calls): release those still held, then write their state, one row each.
    held: set[str] = set()
    by_lease: dict[datetime, list[str]] = {}
    for delivery_id, lease, _ in outcomes:
        by_lease.setdefault(lease, []).append(delivery_id)
    for lease, delivery_ids in by_lease.items():
        statement = (
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id.in_(delivery_ids), webhook_deliveries.c.locked_until == lease)
            .values(locked_until=None)
            .returning(webhook_deliveries.c.id)
        )
        held |= set((await connection.execute(statement)).scalars())
    kept = [(delivery_id, values) for delivery_id, _, values in outcomes if delivery_id in held]
    if kept:
        await connection.execute(_UPDATE_DELIVERY, [
            {"delivery_id": delivery_id, **{f"new_{name}": values[name] for name in _DELIVERY_OUTCOME_COLUMNS}}
            for delivery_id, values in kept
        ])
    return held


async def insert_attempts(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    await _insert_many(connection, webhook_attempts, _INSERT_ATTEMPTS, rows)


async def attempts_of(connection: AsyncConnection, tenant: Tenant, delivery_ids: Sequence[str]) -> dict[str, list[Attempt]]:
    """Every attempt of these deliveries, oldest first, by delivery id."""
    if not delivery_ids:
        return {}
    statement = (
        select(webhook_attempts)
        .where(tenant.owns(webhook_attempts), webhook_attempts.c.delivery_id.in_(delivery_ids))
        .order_by(webhook_attempts.c.attempted_at, webhook_attempts.c.id)
    )
    found: dict[str, list[Attempt]] = {}
    for row in (await connection.execute(statement)).all():
        attempt = Attempt.from_row(row)
        found.setdefault(attempt.delivery_id, []).append(attempt)
    return found


# Built once (every batch of outcomes runs it): `= ANY(array)`, one SQL text whatever the number of endpoints.
_MARK_SUCCEEDING_PG = (
    update(webhook_endpoints)
    .where(webhook_endpoints.c.id == any_(bindparam("ids", type_=ARRAY(String()))),
           webhook_endpoints.c.failing_since.is_not(None))
    .values(failing_since=None)
)


async def mark_succeeding(connection: AsyncConnection, endpoint_ids: Sequence[str]) -> None:
    if not endpoint_ids:
        return
    if connection.dialect.name == "postgresql":
        await connection.execute(_MARK_SUCCEEDING_PG, {"ids": list(endpoint_ids)})
        return
    statement = (
        update(webhook_endpoints)
        .where(webhook_endpoints.c.id.in_(endpoint_ids), webhook_endpoints.c.failing_since.is_not(None))
        .values(failing_since=None)
    )
    await connection.execute(statement)


async def mark_failing(connection: AsyncConnection, endpoint_id: str, *, now: datetime) -> None:
    """Remember the first failure since the last success (a later failure keeps that date)."""
    statement = (
        update(webhook_endpoints)
        .where(webhook_endpoints.c.id == endpoint_id, webhook_endpoints.c.failing_since.is_(None))
        .values(failing_since=now)
    )
    await connection.execute(statement)


async def disable_if_failing_since(
    connection: AsyncConnection, endpoint_id: str, *, cutoff: datetime, now: datetime
) -> WebhookEndpoint | None:
    """Disable the endpoint if it has failed since `cutoff` or longer; the conditional write lets one
    transaction only do it (None for the others, and when it is not due)."""
    statement = (
        update(webhook_endpoints)
        .where(
            webhook_endpoints.c.id == endpoint_id,
            webhook_endpoints.c.disabled.is_(False),
            webhook_endpoints.c.failing_since <= cutoff,
        )
        .values(disabled=True, updated_at=now)
        .returning(webhook_endpoints)
    )
    return _endpoint((await connection.execute(statement)).first())


async def count_all_endpoints(connection: AsyncConnection) -> int:
    return int((await connection.execute(select(func.count()).select_from(webhook_endpoints))).scalar_one())


async def endpoints_after(connection: AsyncConnection, after_id: str, *, limit: int) -> list[WebhookEndpoint]:
    """Every tenant's endpoints in id order from `after_id` on (key rotation)."""
    statement = (
        select(webhook_endpoints).where(webhook_endpoints.c.id > after_id).order_by(webhook_endpoints.c.id).limit(limit)
    )
    return [WebhookEndpoint.from_row(row) for row in (await connection.execute(statement)).all()]


async def swap_secrets(
    connection: AsyncConnection, endpoint: WebhookEndpoint, *, secret_encrypted: str, previous_secret_encrypted: str | None
) -> bool:
    """The endpoint's secret ciphertexts replaced, if they are still the ones read (no rotation of the secret since)."""
    statement = (
        update(webhook_endpoints)
        .where(endpoint.tenant.owns(webhook_endpoints), webhook_endpoints.c.id == endpoint.id,
               webhook_endpoints.c.secret_encrypted == endpoint.secret_encrypted)
        .values(secret_encrypted=secret_encrypted, previous_secret_encrypted=previous_secret_encrypted)
    )
    return bool((await connection.execute(statement)).rowcount)
