"""Background work of notifications: the job that turns a settled batch into one email per
participant, and the reminder sweep (every minute, owners of running groups whose reminder is due get
it: midway for groups of up to 7 days; start + 7 days and end − 5 days for longer ones)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.notify import service as notify
from kohort.order import service as order_service
from kohort.order.domain import Order
from kohort.payout import service as payout_service
from kohort.referral_group import service as group_service
from kohort.runtime import Runtime, session_scope
from kohort.tenant import Tenant
from kohort.worker.registry import periodic, task

SWEEP_SECONDS = 60.0


@periodic("notify.reminders", every_seconds=SWEEP_SECONDS)
async def send_due_reminders(runtime: Runtime, *, batch_size: int) -> int:
    async with session_scope(runtime) as connection:
        due = await group_service.claim_due_reminders(connection, limit=min(batch_size, 200))
        for group, stage in due:
            await notify.reminder(connection, group.tenant, group=group, stage=stage, outbox=runtime.outbox)
    return len(due)


@task(notify.SETTLEMENT_JOB)
async def queue_settlement_emails(runtime: Runtime, connection: AsyncConnection, payload: dict[str, Any]) -> None:
    """Fan a settled batch out into one email job per participant (deduplicated: safe to run twice)."""
    group_ids = list(payload["groups"])
    groups = await group_service.settled_groups(connection, group_ids)
    orders = await order_service.orders_of_groups(connection, group_ids)
    await notify.settlement_emails(connection, groups=groups, orders=orders, outbox=runtime.outbox,
                                   tokens=notify.settlement_tokens(payload, cipher=runtime.cipher))


@task(notify.ORDER_PLACED_JOB)
async def queue_order_emails(runtime: Runtime, connection: AsyncConnection, payload: dict[str, Any]) -> None:
    """The emails of one order: group created, or joined (and "new level" to the others)."""
    tenant = Tenant(payload["organization_id"], bool(payload["livemode"]))
    order = await order_service.find(connection, tenant, payload["order_id"])
    group = await group_service.find(connection, tenant, payload["group_id"])
    if order is None or group is None:
        return
    count = int(payload["participant_count"])
    participants: list[Order] = []
    if payload["joined"] and notify.unlocks_level(group, count):
        # The participants as they were when this order joined, not the later joiners.
        participants = [other for other in await order_service.orders_of_group(connection, tenant, group.id)
                        if other.created_at <= order.created_at][:count]
    await notify.order_emails(connection, tenant, group=group, order=order, joined=bool(payload["joined"]),
                              participant_count=count, participants=participants, outbox=runtime.outbox)


@task(notify.PAYOUTS_PAID_JOB)
async def queue_cashback_sent_emails(runtime: Runtime, connection: AsyncConnection, payload: dict[str, Any]) -> None:
    """"Cashback sent" to every shopper paid by a confirmed batch (deduplicated: safe to run twice)."""
    tenant = Tenant(payload["organization_id"], bool(payload["livemode"]))
    payouts = await payout_service.paid_payouts_of_batch(connection, tenant, payload["batch_id"])
    orders = await order_service.get_orders(connection, tenant, {payout.order_id for payout in payouts})
    groups = await group_service.get_groups(connection, tenant, {order.payment_group_id for order in orders.values()
                                                                 if order.payment_group_id})
    await notify.cashback_sent_emails(connection, tenant, payouts=payouts, orders=orders, groups=groups,
                                      outbox=runtime.outbox)
