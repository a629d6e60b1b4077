"""The job table as operators see it (`kohort jobs …`): the newest jobs, and dead jobs put back in the queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.worker import repository
from kohort.worker.domain import Job, JobStatus


async def list_jobs(
    connection: AsyncConnection, *, status: JobStatus | None, kind: str | None, limit: int
) -> list[Job]:
    """The newest `limit` jobs, optionally only those with `status` and `kind`."""
    return await repository.list_jobs(connection, status=status, kind=kind, limit=limit)


async def retry_dead_job(connection: AsyncConnection, job_id: str, *, now: datetime) -> bool:
    """Put a dead job back in the queue with a fresh set of attempts; False if `job_id` is not a dead job."""
    return await repository.requeue_dead(connection, job_id, now=now)



async def retry_dead_batch(connection: AsyncConnection, *, kind: str | None, now: datetime, limit: int) -> int:
    """Up to `limit` dead jobs (of `kind`, or of every kind) back in the queue with a fresh set of
    attempts; returns how many (0: none left)."""
    return await repository.requeue_dead_batch(connection, kind=kind, now=now, limit=limit)
