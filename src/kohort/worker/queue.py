"""Enqueueing: a job is a row inserted in the caller's transaction, so it commits with the change that
needs it or not at all (a crash between the two cannot lose work)."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import Database
from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.worker import repository
from kohort.worker.domain import JobPayload

DEFAULT_MAX_ATTEMPTS = 8
# How often a process may refresh the queue's statistics after a burst (ANALYZE reads a sample: ~0.1 s).
STATISTICS_EVERY_SECONDS = 10.0

log = logging.getLogger(__name__)
_statistics_refreshed_at: float | None = None


async def enqueue(
    connection: AsyncConnection,
    kind: str,
    payload: JobPayload,
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> str | None:
    """Queue `kind` with a JSON `payload` (ids, not rows: the handler reloads and re-checks).

    `dedupe_key` names the event: a second enqueue with the same key is a no-op and returns None (e.g.
    `settle:{group_id}`, or `email:{template}:{order_id}` so an email is never queued twice)."""
    now = clock.now()
    return await repository.insert_job(
        connection, job_id=new_id("job"), kind=kind, payload=payload, run_at=run_at or now, dedupe_key=dedupe_key,
        max_attempts=max_attempts, now=now,
    )


async def enqueue_many(
    connection: AsyncConnection, kind: str, items: list[tuple[JobPayload, str]], *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> None:
    """Queue many jobs of `kind` in one statement: `items` are (payload, dedupe_key); keys already used
    are skipped, as with `enqueue`."""
    now = clock.now()
    await repository.insert_jobs_unless_duplicate(
        connection, kind=kind, items=[(new_id("job"), payload, key) for payload, key in items],
        max_attempts=max_attempts, now=now,
    )


async def refresh_statistics_after_burst(database: Database) -> bool:
    """After a burst of jobs was queued, the planner's statistics of the queue refreshed in a transaction
    of their own (see `repository.refresh_statistics`), at most every STATISTICS_EVERY_SECONDS per
    process. Whether it ran."""
    global _statistics_refreshed_at
    now = time.monotonic()
    if _statistics_refreshed_at is not None and now - _statistics_refreshed_at < STATISTICS_EVERY_SECONDS:
        return False
    _statistics_refreshed_at = now
    try:
        async with database.transaction() as connection:
            await repository.refresh_statistics(connection)
    except DBAPIError as error:  # a vacuum holds the table: the next burst tries again
        log.info("jobs.statistics_skipped error=%s", type(error.orig).__name__)
        return False
    return True
