"""Enqueueing: a job is a row inserted in the caller's transaction, so it commits with the change that
needs it or not at all (a crash between the two cannot lose work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.worker import repository
from kohort.worker.domain import JobPayload

DEFAULT_MAX_ATTEMPTS = 8


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
