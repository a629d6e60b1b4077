"""Queries of settlement: closing due groups in batches and reading their orders.

The sweep is the system's, not a tenant's: it selects due groups of every organization (each row
carries its tenant onward). Closing by id (full group, test helper) is tenant-scoped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.models import GroupStatus, orders, payment_groups
from kohort.referral_group.domain import GroupOrder, ReferralGroup
from kohort.tenant import Tenant

SYSTEM_ACTOR = "system"
MIN_PARTICIPANTS_TO_COMPLETE = 2

def _close(selected: Any, now: datetime) -> Any:  # a scalar subquery in, an UPDATE out
    """OPEN → COMPLETED (two orders or more) or EXPIRED (alone), for the selected ids still OPEN.

    The condition on status makes this the one conditional write of settlement: whoever runs it first
    (a sweep, a worker, the full-group job, the test helper) changes the row; everybody else gets no row
    back and does nothing. The participant count is read on the row locked by this statement, the same
    lock a join takes to add a participant (repository.claim_seat), so no order slips in unseen."""
    completes = payment_groups.c.participant_count >= MIN_PARTICIPANTS_TO_COMPLETE
    return (
        update(payment_groups)
        .where(payment_groups.c.id.in_(selected), payment_groups.c.status == GroupStatus.OPEN)
        .values(
            status=case((completes, GroupStatus.COMPLETED.value), else_=GroupStatus.EXPIRED.value),
            completed_at=case((completes, now), else_=None),
            updated_at=now,
            updated_by=SYSTEM_ACTOR,
        )
        .returning(payment_groups)
    )


async def close_due_groups(connection: AsyncConnection, *, now: datetime, limit: int) -> list[ReferralGroup]:
    """Close up to `limit` OPEN groups past their end (oldest end first). SKIP LOCKED: concurrent sweeps
    take disjoint batches and never wait on a group another transaction is joining or settling."""
    due = (
        select(payment_groups.c.id)
        .where(payment_groups.c.status == GroupStatus.OPEN, payment_groups.c.expires_at <= now)
        .order_by(payment_groups.c.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return [ReferralGroup.from_row(row) for row in (await connection.execute(_close(due, now))).all()]


async def due_group_ids(connection: AsyncConnection, *, now: datetime, limit: int) -> list[tuple[str, str, bool]]:
    """(id, organization, livemode) of up to `limit` OPEN groups past their end, oldest end first."""
    statement = (
        select(payment_groups.c.id, payment_groups.c.organization_id, payment_groups.c.livemode)
        .where(payment_groups.c.status == GroupStatus.OPEN, payment_groups.c.expires_at <= now)
        .order_by(payment_groups.c.expires_at)
        .limit(limit)
    )
    return [(row[0], row[1], bool(row[2])) for row in (await connection.execute(statement)).all()]


async def close_group(
    connection: AsyncConnection, tenant: Tenant, group_id: str, *, now: datetime
) -> ReferralGroup | None:
    """Close one group if it is due: OPEN and past its end, or holding max_participants orders. Waits for
    a concurrent join or settlement of that group to finish, then re-checks. None if not due or closed."""
    due = (
        select(payment_groups.c.id)
        .where(
            tenant.owns(payment_groups),
            payment_groups.c.id == group_id,
            payment_groups.c.status == GroupStatus.OPEN,
            or_(
                payment_groups.c.expires_at <= now,
                payment_groups.c.participant_count >= payment_groups.c.max_participants,
            ),
        )
        .with_for_update()
        .scalar_subquery()
    )
    row = (await connection.execute(_close(due, now))).first()
    return ReferralGroup.from_row(row) if row is not None else None


async def orders_of_groups(connection: AsyncConnection, group_ids: Sequence[str]) -> list[GroupOrder]:
    """The orders of these groups (id, group, net amount, fee), oldest first."""
    if not group_ids:
        return []
    statement = (
        select(orders.c.id, orders.c.payment_group_id, orders.c.amount - orders.c.amount_refunded,
               orders.c.application_fee_amount)
        .where(orders.c.payment_group_id.in_(group_ids))
        .order_by(orders.c.payment_group_id, orders.c.created_at, orders.c.id)
    )
    return [GroupOrder(*row) for row in (await connection.execute(statement)).all()]


async def move_end_to(connection: AsyncConnection, tenant: Tenant, group_id: str, *, now: datetime) -> None:
    """Bring an OPEN group's end to `now` (test helper)."""
    statement = (
        update(payment_groups)
        .where(
            tenant.owns(payment_groups),
            payment_groups.c.id == group_id,
            payment_groups.c.status == GroupStatus.OPEN,
            payment_groups.c.expires_at > now,
        )
        .values(expires_at=now, updated_at=now)
    )
    await connection.execute(statement)


async def settled_groups(connection: AsyncConnection, group_ids: Sequence[str]) -> list[ReferralGroup]:
    """Whole rows of settled groups, whatever their tenants, for the emails of their settlement."""
    if not group_ids:
        return []
    statement = select(payment_groups).where(payment_groups.c.id.in_(group_ids))
    return [ReferralGroup.from_row(row) for row in (await connection.execute(statement)).all()]


async def start_holds(connection: AsyncConnection, holds: dict[str, datetime | None], *, now: datetime) -> None:
    """Just-completed groups: when their cashback becomes withdrawable (None: now, released at once)."""
    by_end: dict[datetime | None, list[str]] = {}
    for group_id, held_until in holds.items():
        by_end.setdefault(held_until, []).append(group_id)
    for held_until, group_ids in by_end.items():  # a few distinct ends per batch
        statement = (
            update(payment_groups)
            .where(payment_groups.c.id.in_(group_ids))
            .values(cashback_available_at=held_until or now, cashback_released_at=None if held_until else now)
        )
        await connection.execute(statement)


def _end_hold(selected: Any, now: datetime) -> Any:
    """The conditional write that ends a hold once: only a group whose hold is not ended yet changes."""
    return (
        update(payment_groups)
        .where(payment_groups.c.id.in_(selected), payment_groups.c.cashback_released_at.is_(None))
        .values(cashback_released_at=now, updated_at=now, updated_by=SYSTEM_ACTOR)
        .returning(payment_groups)
    )


async def end_due_holds(connection: AsyncConnection, *, now: datetime, limit: int) -> list[ReferralGroup]:
    """End the hold of up to `limit` completed groups past it, skipping groups another transaction holds
    (a refund recomputing one of them: it is released by the next sweep, after the refund)."""
    due = (
        select(payment_groups.c.id)
        .where(
            payment_groups.c.status == GroupStatus.COMPLETED,
            payment_groups.c.cashback_released_at.is_(None),
            payment_groups.c.cashback_available_at <= now,
        )
        .order_by(payment_groups.c.cashback_available_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return [ReferralGroup.from_row(row) for row in (await connection.execute(_end_hold(due, now))).all()]


async def end_hold(connection: AsyncConnection, tenant: Tenant, group_id: str, *, now: datetime) -> ReferralGroup | None:
    """End one completed group's hold now (test helper); None if it is not held."""
    held = (
        select(payment_groups.c.id)
        .where(tenant.owns(payment_groups), payment_groups.c.id == group_id,
               payment_groups.c.status == GroupStatus.COMPLETED, payment_groups.c.cashback_released_at.is_(None))
        .with_for_update()
        .scalar_subquery()
    )
    statement = _end_hold(held, now).values(cashback_available_at=now)
    row = (await connection.execute(statement)).first()
    return ReferralGroup.from_row(row) if row is not None else None
