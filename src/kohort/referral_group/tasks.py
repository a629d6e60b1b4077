"""Background work of referral groups: the settlement sweep and the full-group settlement job."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.referral_group import service, settlement
from kohort.runtime import Runtime, session_scope
from kohort.tenant import Tenant
from kohort.worker.registry import periodic, task

SWEEP_SECONDS = 2.0

log = logging.getLogger("kohort.settlement")


@task(service.SETTLE_GROUP_JOB)
async def settle_full_group(runtime: Runtime, connection: AsyncConnection, payload: dict[str, Any]) -> None:
    """Enqueued by the join that filled the group: settle it now rather than at its end."""
    tenant = Tenant(payload["organization_id"], bool(payload["livemode"]))
    await settlement.settle_group(connection, tenant, payload["group_id"], now=runtime.clock.now())


@periodic("referral_group.settle_due", every_seconds=SWEEP_SECONDS)
async def settle_due_groups(runtime: Runtime, *, batch_size: int) -> int:
    """One batch of groups past their end, settled in one transaction. Returns how many.

    If the batch fails (a bug or bad data in one group), its groups are settled one transaction each,
    so one bad group cannot hold back the others (the original re-queued failing groups forever and
    blocked nothing else either, but also settled nothing, §13 #21); the bad one is logged and tried
    again by the next sweep."""
    try:
        async with session_scope(runtime) as connection:
            done = await settlement.settle_due_groups(connection, now=runtime.clock.now(), limit=batch_size)
        return len(done.groups)
    except Exception:  # fall back to one transaction per group, below
        log.exception("settlement.batch_failed")
    async with session_scope(runtime) as connection:
        due = await settlement.due_groups(connection, now=runtime.clock.now(), limit=batch_size)
    settled = 0
    for group_id, tenant in due:
        try:
            async with session_scope(runtime) as connection:
                settled += len((await settlement.settle_group(connection, tenant, group_id,
                                                              now=runtime.clock.now())).groups)
        except Exception:  # logged with the group; the next sweep tries it again
            log.exception("settlement.group_failed", extra={"group_id": group_id})
    return settled
