"""Queries for the job table. Not tenant-scoped: jobs belong to the system; payloads carry the tenant."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, delete, func, insert, or_, select, text, true, union_all, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import insert_ignoring_conflicts
from kohort.models import JobStatus, jobs
from kohort.worker.domain import ClaimedJob, Job, JobPayload

QUEUED, RUNNING, DONE, DEAD = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE, JobStatus.DEAD

_INSERT_JOB = insert(jobs)


def _new_job_row(
    *, job_id: str, kind: str, payload: JobPayload, run_at: datetime, dedupe_key: str | None, max_attempts: int,
    now: datetime,
) -> dict[str, Any]:
    """The insert parameters of a new queued job."""
    return {
        "id": job_id, "kind": kind, "payload": payload, "status": QUEUED, "attempts": 0,
        "max_attempts": max_attempts, "run_at": run_at, "locked_until": None, "locked_by": None,
        "last_error": None, "dedupe_key": dedupe_key, "created_at": now, "updated_at": now, "finished_at": None,
    }


async def insert_job(
    connection: AsyncConnection, *, job_id: str, kind: str, payload: JobPayload, run_at: datetime,
    dedupe_key: str | None, max_attempts: int, now: datetime,
) -> str | None:
    """Insert a job; with a dedupe key already used, do nothing and return None."""
    values = _new_job_row(job_id=job_id, kind=kind, payload=payload, run_at=run_at, dedupe_key=dedupe_key,
                         max_attempts=max_attempts, now=now)
    # Statements built once, the row passed as parameters: orders enqueue on their hot path.
    if dedupe_key is None:
        await connection.execute(_INSERT_JOB, values)
        return job_id
    statement = insert_ignoring_conflicts(connection, jobs, ["dedupe_key"], returning=True)
    row = (await connection.execute(statement, values)).first()
    return None if row is None else str(row.id)


async def claim(
    connection: AsyncConnection,
    *,
    now: datetime,
    lease_until: datetime,
    worker: str,
    limit: int,
    kind_prefixes: tuple[str, ...] = (),
) -> list[ClaimedJob]:
    """Take up to `limit` queued and due jobs, plus up to `limit` running under an expired lease (their
    worker died; rare). SKIP LOCKED lets concurrent runners take disjoint sets on PostgreSQL; on SQLite
    the transaction already holds the write lock (BEGIN IMMEDIATE).

    The two kinds are selected apart, each in the order of its index: as one `OR`, PostgreSQL sorts
    every queued row at each claim, which a settlement's 300 000 queued emails make seconds long."""
    kinds = (or_(*(jobs.c.kind.startswith(prefix, autoescape=True) for prefix in kind_prefixes)) if kind_prefixes
             else true())
    due = (
        select(jobs.c.id).where(jobs.c.status == QUEUED, jobs.c.run_at <= now, kinds)
        .order_by(jobs.c.run_at).limit(limit).with_for_update(skip_locked=True).cte("due")
    )
    orphaned = (
        select(jobs.c.id).where(jobs.c.status == RUNNING, jobs.c.locked_until <= now, kinds)
        .order_by(jobs.c.locked_until).limit(limit).with_for_update(skip_locked=True).cte("orphaned")
    )
    # One IN over the union (a join on the primary key); two INs joined by OR would scan the whole table.
    statement = (
        update(jobs)
        .where(jobs.c.id.in_(union_all(select(due.c.id), select(orphaned.c.id))))
        .values(status=RUNNING, attempts=jobs.c.attempts + 1, locked_until=lease_until, locked_by=worker,
                updated_at=now)
        .returning(jobs.c.id, jobs.c.kind, jobs.c.payload, jobs.c.attempts, jobs.c.max_attempts)
    )
    return [ClaimedJob(*row) for row in (await connection.execute(statement)).all()]


async def finish(connection: AsyncConnection, job_id: str, *, worker: str, now: datetime) -> bool:
    """Mark a job done, only if this worker still holds it. False means its lease was lost."""
    statement = (
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.locked_by == worker)
        .values(status=DONE, finished_at=now, updated_at=now, locked_until=None, last_error=None)
    )
    return (await connection.execute(statement)).rowcount == 1


async def finish_many(connection: AsyncConnection, job_ids: Sequence[str], *, worker: str, now: datetime) -> set[str]:
    """Mark jobs done in one statement, those this worker still holds; returns their ids (the others'
    leases were lost)."""
    if not job_ids:
        return set()
    statement = (
        update(jobs)
        .where(jobs.c.id.in_(job_ids), jobs.c.status == RUNNING, jobs.c.locked_by == worker)
        .values(status=DONE, finished_at=now, updated_at=now, locked_until=None, last_error=None)
        .returning(jobs.c.id)
    )
    return set((await connection.execute(statement)).scalars())


async def extend_leases(
    connection: AsyncConnection, job_ids: Sequence[str], *, worker: str, lease_until: datetime, now: datetime
) -> set[str]:
    """Push back the lease of the jobs this worker still holds (the heartbeat); returns their ids."""
    if not job_ids:
        return set()
    statement = (
        update(jobs)
        .where(jobs.c.id.in_(job_ids), jobs.c.status == RUNNING, jobs.c.locked_by == worker)
        .values(locked_until=lease_until, updated_at=now)
        .returning(jobs.c.id)
    )
    return set((await connection.execute(statement)).scalars())


async def fail(
    connection: AsyncConnection, job_id: str, *, worker: str | None, now: datetime, error: str,
    retry_at: datetime | None,
) -> None:
    """Record a failure: back to queued until `retry_at`, or dead when `retry_at` is None."""
    conditions = [jobs.c.id == job_id, jobs.c.status == RUNNING]
    if worker is not None:
        conditions.append(jobs.c.locked_by == worker)
    statement = update(jobs).where(*conditions).values(
        last_error=error[:4000], updated_at=now, locked_until=None, locked_by=None
    )
    if retry_at is None:
        statement = statement.values(status=DEAD, finished_at=now)
    else:
        statement = statement.values(status=QUEUED, run_at=retry_at)
    await connection.execute(statement)


async def list_jobs(
    connection: AsyncConnection, *, status: JobStatus | None, kind: str | None, limit: int
) -> list[Job]:
    statement = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit)
    if status is not None:
        statement = statement.where(jobs.c.status == status)
    if kind is not None:
        statement = statement.where(jobs.c.kind == kind)
    return [Job.from_row(row) for row in (await connection.execute(statement)).all()]


async def get(connection: AsyncConnection, job_id: str) -> Job | None:
    row = (await connection.execute(select(jobs).where(jobs.c.id == job_id))).first()
    return Job.from_row(row) if row is not None else None


async def requeue_dead(connection: AsyncConnection, job_id: str, *, now: datetime) -> bool:
    """A dead job back in the queue with a fresh set of attempts (after its cause was fixed)."""
    statement = (
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status == DEAD)
        .values(status=QUEUED, attempts=0, run_at=now, updated_at=now, finished_at=None)
    )
    return (await connection.execute(statement)).rowcount == 1


async def requeue_dead_batch(connection: AsyncConnection, *, kind: str | None, now: datetime, limit: int) -> int:
    """Up to `limit` dead jobs (of `kind`, or of every kind) back in the queue with a fresh set of
    attempts; returns how many."""
    dead = select(jobs.c.id).where(jobs.c.status == DEAD).limit(limit).with_for_update(skip_locked=True)
    if kind is not None:
        dead = dead.where(jobs.c.kind == kind)
    statement = (
        update(jobs)
        .where(jobs.c.id.in_(dead.scalar_subquery()))
        .values(status=QUEUED, attempts=0, run_at=now, updated_at=now, finished_at=None)
    )
    return (await connection.execute(statement)).rowcount


async def insert_jobs_unless_duplicate(
    connection: AsyncConnection, *, kind: str, items: Sequence[tuple[str, JobPayload, str]], max_attempts: int,
    now: datetime,
) -> None:
    """Insert many jobs of `kind` at once, due now: `items` are (job id, payload, dedupe key); a job whose
    dedupe key is already used is skipped (bulk emails after a settlement batch)."""
    rows = [
        _new_job_row(job_id=job_id, kind=kind, payload=payload, run_at=now, dedupe_key=dedupe_key,
                     max_attempts=max_attempts, now=now)
        for job_id, payload, dedupe_key in items
    ]
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        parameters = {column.name: [row[column.name] for row in rows] for column in jobs.columns}
        parameters["payload"] = [json.dumps(payload) for payload in parameters["payload"]]
        await connection.execute(_INSERT_JOBS_UNLESS_DUPLICATE_PG, parameters)
        return
    await connection.execute(insert_ignoring_conflicts(connection, jobs, ["dedupe_key"]), rows)


def _unnest_jobs_insert() -> Any:
    """PostgreSQL: `INSERT … SELECT FROM unnest(arrays) ON CONFLICT (dedupe_key) DO NOTHING`, one array per
    column (payloads as JSON text): one statement for a batch of emails, and one SQL text whatever its size,
    where an executemany runs the insert once per job."""
    names = [column.name for column in jobs.columns]
    given = func.unnest(*(
        bindparam(name, [], type_=ARRAY(Text() if name == "payload" else jobs.c[name].type)) for name in names
    )).table_valued(*names).render_derived(name="given")
    values = [cast(given.c.payload, JSONB) if name == "payload" else given.c[name] for name in names]
    return postgresql_insert(jobs).from_select(names, select(*values)).on_conflict_do_nothing(
        index_elements=["dedupe_key"])


_INSERT_JOBS_UNLESS_DUPLICATE_PG = _unnest_jobs_insert()


async def purge_finished(connection: AsyncConnection, *, before: datetime, limit: int) -> int:
    """Delete up to `limit` jobs done before `before` (dead ones stay until someone looks at them)."""
    old = (
        select(jobs.c.id)
        .where(jobs.c.status == DONE, jobs.c.finished_at < before)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (await connection.execute(delete(jobs).where(jobs.c.id.in_(old)))).rowcount


async def count_of_kind(connection: AsyncConnection, kind: str) -> int:
    statement = select(func.count()).select_from(jobs).where(jobs.c.kind == kind)
    return int((await connection.execute(statement)).scalar_one())


async def payloads_after(connection: AsyncConnection, kind: str, after_id: str, *, limit: int) -> list[tuple[str, JobPayload]]:
    """Ids and payloads of the jobs of `kind`, in id order from `after_id` on (whatever their status: a dead job
    may be retried), for re-encrypting them under a new key."""
    statement = (
        select(jobs.c.id, jobs.c.payload).where(jobs.c.kind == kind, jobs.c.id > after_id)
        .order_by(jobs.c.id).limit(limit)
    )
    return [(str(row.id), row.payload) for row in (await connection.execute(statement)).all()]


async def jobs_with_dedupe_keys_like(connection: AsyncConnection, kind: str, patterns: Sequence[str]) -> list[Job]:
    """Jobs of `kind` whose dedupe key matches one of the LIKE `patterns` (an erasure finds the emails
    about a customer by the event and recipient digest their keys carry)."""
    found: dict[str, Job] = {}
    for start in range(0, len(patterns), 50):
        chunk = patterns[start:start + 50]
        statement = select(jobs).where(jobs.c.kind == kind, or_(*(jobs.c.dedupe_key.like(pattern) for pattern in chunk)))
        for row in (await connection.execute(statement)).all():
            job = Job.from_row(row)
            found[job.id] = job
    return sorted(found.values(), key=lambda job: (job.created_at, job.id))


async def delete_jobs(connection: AsyncConnection, job_ids: Sequence[str]) -> None:
    if job_ids:
        await connection.execute(delete(jobs).where(jobs.c.id.in_(job_ids)))


async def replace_payload(connection: AsyncConnection, job_id: str, payload: JobPayload) -> None:
    # An erasure (the customer's data out of a queued email) or a key rotation (servers stopped) writes one again.
    await connection.execute(update(jobs).where(jobs.c.id == job_id).values(payload=payload))


async def refresh_statistics(connection: AsyncConnection) -> None:
    """PostgreSQL: the planner's statistics of the jobs table, now. After a burst (a settlement queues
    hundreds of thousands of emails) they say the queue is nearly empty until autovacuum gets to it, and
    the claim then sorts every queued row instead of reading the first few from its index (measured: 37
    emails/s before, 533/s after). Gives up rather than wait behind a vacuum. No-op on SQLite."""
    if connection.dialect.name != "postgresql":
        return
    await connection.execute(text("SET LOCAL lock_timeout = '200ms'"))
    await connection.execute(text("ANALYZE jobs"))
