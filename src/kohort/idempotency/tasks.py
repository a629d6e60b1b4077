"""Keys past their 24 hours are deleted by a sweep (an expired key is free again even before that)."""

from __future__ import annotations

from kohort.idempotency import repository
from kohort.runtime import Runtime, session_scope
from kohort.worker.registry import periodic


@periodic("idempotency.purge_expired", every_seconds=600.0)
async def purge_expired_keys(runtime: Runtime, *, batch_size: int) -> int:
    async with session_scope(runtime) as connection:
        return await repository.purge_expired(connection, runtime.clock.now(), limit=batch_size)
