"""Background work of referral groups: the settlement sweep and the full-group settlement job."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import Database
from kohort.kit import clock
from kohort.referral_group import service, settlement
from kohort.tenant import Tenant
from kohort.worker.registry import periodic, task

SWEEP_SECONDS = 2.0


@task(service.SETTLE_GROUP_JOB)
async def settle_full_group(connection: AsyncConnection, payload: dict[str, Any]) -> None:
    """Enqueued by the join that filled the group: settle it now rather than at its end."""
    tenant = Tenant(payload["organization_id"], bool(payload["livemode"]))
    await settlement.settle_group(connection, tenant, payload["group_id"], now=clock.now())


@periodic("referral_group.settle_due", every_seconds=SWEEP_SECONDS)
async def settle_due_groups(database: Database, *, batch_size: int) -> int:
    """One batch of groups past their end, settled in one transaction. Returns how many."""
    async with database.transaction() as connection:
        done = await settlement.settle_due_groups(connection, now=clock.now(), limit=batch_size)
    return len(done.groups)
