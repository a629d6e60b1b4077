"""Background work of notifications: the job that turns a settled batch into one email per
participant, and the reminder sweep (every minute, owners of running groups whose reminder is due get
it: midway for groups of up to 7 days; start + 7 days and end − 5 days for longer ones)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import Database
from kohort.notify import service as notify
from kohort.referral_group import service as group_service
from kohort.tenant import Tenant
from kohort.worker.registry import periodic, task

SWEEP_SECONDS = 60.0


@periodic("notify.reminders", every_seconds=SWEEP_SECONDS)
async def send_due_reminders(database: Database, *, batch_size: int) -> int:
    async with database.transaction() as connection:
        due = await group_service.claim_due_reminders(connection, limit=min(batch_size, 200))
        for group, stage in due:
            tenant = Tenant(group["organization_id"], group["livemode"])
            await notify.reminder(connection, tenant, group=group, stage=stage)
    return len(due)


@task(notify.SETTLEMENT_JOB)
async def queue_settlement_emails(connection: AsyncConnection, payload: dict[str, Any]) -> None:
    """Fan a settled batch out into one email job per participant (deduplicated: safe to run twice)."""
    groups, orders = await group_service.settled_groups_with_orders(connection, list(payload["groups"]))
    await notify.settlement_emails(connection, groups=groups, orders=orders, tokens=notify.settlement_tokens(payload))
