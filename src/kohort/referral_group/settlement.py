"""Settling due groups (BEHAVIOUR.md §5.6 with its defects fixed, §13 #18, #19, #21).

A group is due when it is OPEN and past its end, or as soon as it holds `maxParticipants` orders. With
two orders or more it COMPLETES and every order earns the cashback of the level the group reached
(from the group's own settings copy); alone, it EXPIRES and its order stays CREATED.

Settlement is set-based: a sweep closes a batch of groups in one conditional UPDATE, reads their orders
in one query, grants the cashback in one UPDATE and posts the ledger in bulk, all in the caller's
transaction. Exactly once, whatever races: only the transaction whose conditional write changed a
group acts on it; orders move CREATED → CASHBACK_AVAILABLE by a conditional write; postings carry a
unique idempotency key. A transaction that dies (a SIGKILLed worker) commits nothing, and the groups
are due again for the next sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.cashback import service as cashback_service
from kohort.events import service as events
from kohort.events.domain import CashbackAvailable, GroupCompleted, GroupExpired
from kohort.models import GroupStatus
from kohort.referral_group import service, settlement_repository
from kohort.referral_group.domain import ReferralGroup
from kohort.referral_group.schemas import to_wire_group
from kohort.tenant import Tenant

log = logging.getLogger("kohort.settlement")


@dataclass(frozen=True, slots=True)
class SettledGroup:
    id: str
    tenant: Tenant
    status: GroupStatus  # COMPLETED or EXPIRED
    participants: int


@dataclass(frozen=True)
class Settlement:
    """What one settling transaction did."""

    groups: list[SettledGroup] = field(default_factory=list)
    cashbacks: list[cashback_service.CashbackGranted] = field(default_factory=list)

    @property
    def completed(self) -> list[SettledGroup]:
        return [group for group in self.groups if group.status == GroupStatus.COMPLETED]

    @property
    def expired(self) -> list[SettledGroup]:
        return [group for group in self.groups if group.status == GroupStatus.EXPIRED]


async def settle_due_groups(connection: AsyncConnection, *, now: datetime, limit: int) -> Settlement:
    """Settle up to `limit` groups past their end, skipping any another transaction holds."""
    closed = await settlement_repository.close_due_groups(connection, now=now, limit=limit)
    return await _reward(connection, closed, now=now)


async def due_groups(connection: AsyncConnection, *, now: datetime, limit: int) -> list[tuple[str, Tenant]]:
    """The next groups past their end (for settling them one by one when a batch fails)."""
    rows = await settlement_repository.due_group_ids(connection, now=now, limit=limit)
    return [(group_id, Tenant(organization_id, livemode)) for group_id, organization_id, livemode in rows]


async def settle_group(connection: AsyncConnection, tenant: Tenant, group_id: str, *, now: datetime) -> Settlement:
    """Settle one group if it is due (past its end, or full); a no-op if it is not, or already settled."""
    closed = await settlement_repository.close_group(connection, tenant, group_id, now=now)
    return await _reward(connection, [closed] if closed is not None else [], now=now)


async def end_group_now(connection: AsyncConnection, tenant: Tenant, reference: str, *, now: datetime) -> ReferralGroup:
    """Test helper: bring an OPEN group's end to now and settle it; returns the group as it then is
    (unchanged if it had already ended)."""
    group = await service.get_group(connection, tenant, reference)
    await settlement_repository.move_end_to(connection, tenant, group.id, now=now)
    await settle_group(connection, tenant, group.id, now=now)
    return await service.get_group(connection, tenant, group.id)


async def _reward(connection: AsyncConnection, closed: Sequence[ReferralGroup], *, now: datetime) -> Settlement:
    completed = {group.id: group for group in closed if group.status == GroupStatus.COMPLETED}
    participants: dict[str, list[cashback_service.Participant]] = {group_id: [] for group_id in completed}
    for order in await settlement_repository.orders_of_groups(connection, list(completed)):
        participants[order.group_id].append(
            cashback_service.Participant(
                order_id=order.id, amount=order.amount, application_fee_amount=order.application_fee_amount
            )
        )
    rewards = []
    for group_id, group in completed.items():
        members = participants[group_id]
        level = group.ladder.reached(len(members))
        rewards.append(
            cashback_service.CompletedGroup(
                group_id=group_id,
                tenant=group.tenant,
                discount_type=group.discount_type,
                discount_value=level.value if level else 0,
                participants=members,
            )
        )
    granted = await cashback_service.grant(connection, rewards, now=now)
    settled = [
        SettledGroup(id=group.id, tenant=group.tenant, status=group.status, participants=group.participant_count)
        for group in closed
    ]
    if closed:
        await events.record_events(connection, [
            GroupCompleted(to_wire_group(group)) if group.status == GroupStatus.COMPLETED
            else GroupExpired(to_wire_group(group), settled=True)
            for group in closed
        ])
        # The shopper emails (and their withdrawal links) are the email consumer's, from these events.
        await events.record_for(connection, CashbackAvailable, "order", [item.order_id for item in granted])
    if settled:
        log.info("group.settled_batch", extra={"groups": len(settled), "cashbacks": len(granted)})
    return Settlement(groups=settled, cashbacks=granted)
