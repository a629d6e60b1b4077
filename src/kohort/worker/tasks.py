"""The job table's own upkeep: finished jobs are kept a week for inspection, then deleted."""

from __future__ import annotations

from datetime import timedelta

from kohort.runtime import Runtime, session_scope
from kohort.worker import repository
from kohort.worker.registry import periodic

KEEP_FINISHED = timedelta(days=7)


@periodic("worker.purge_finished", every_seconds=600.0)
async def purge_finished_jobs(runtime: Runtime, *, batch_size: int) -> int:
    async with session_scope(runtime) as connection:
        return await repository.purge_finished(connection, before=runtime.clock.now() - KEEP_FINISHED, limit=batch_size)
