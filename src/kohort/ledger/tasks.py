"""Background work of the ledger: sealing postings into each tenant's hash chain."""

from __future__ import annotations

from kohort.ledger import chain
from kohort.runtime import Runtime, session_scope
from kohort.worker.registry import periodic

SEAL_SECONDS = 5.0


@periodic("ledger.seal", every_seconds=SEAL_SECONDS)
async def seal_postings(runtime: Runtime, *, batch_size: int) -> int:
    """One batch of postings a few seconds old sealed into their tenant's chain; returns how many."""
    async with session_scope(runtime) as connection:
        return await chain.seal(connection, now=runtime.clock.now(), limit=batch_size)
