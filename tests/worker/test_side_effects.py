"""Side-effect jobs (emails): run with no transaction open, a bounded number at once, under a lease the
runner keeps alive, and never started once that lease is in doubt; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import os
from typing import Any

from sqlalchemy import select, update

from kohort.db import Database
from kohort.models import JobStatus, jobs
from kohort.runtime import Runtime
from kohort.worker import registry
from kohort.worker.queue import enqueue
from kohort.worker.runner import Runner
from tests.worker.test_jobs import job_row

_kinds = itertools.count(1)
# Generous bounds on waits that end as soon as the awaited thing happens.
BOUND_SECONDS = 30.0
# Leases of a few seconds: on a busy machine a process can stall for a second, and a lease shorter than a
# stall cannot be kept by any heartbeat.
LEASE_SECONDS = 3.0


def side_effect_kind(function: registry.SideEffectHandler) -> str:
    kind = f"test.side.{next(_kinds)}.{os.getpid()}"
    registry.side_effect_task(kind)(function)
    return kind


async def test_a_side_effect_job_runs_with_no_transaction_or_lock_held(database: Database, runtime: Runtime) -> None:
    """While it runs, the database is free: the job's own row can be locked without waiting (on SQLite,
    whose process has one connection, another transaction can start at all)."""
    seen: list[str] = []

    async def handler(runtime: Runtime, payload: dict[str, Any]) -> None:
        async with asyncio.timeout(5), runtime.database.transaction() as connection:
            locked = (await connection.execute(
                select(jobs.c.status).where(jobs.c.kind == kind).with_for_update(nowait=True)
            )).scalar_one()
        seen.append(locked)

    kind = side_effect_kind(handler)
    async with database.transaction() as connection:
        job_id = await enqueue(connection, kind, {})
    await Runner(runtime, only=(kind,)).run_jobs()
    assert seen == [JobStatus.RUNNING]  # claimed and committed before the handler started
    assert (await job_row(database, job_id)).status == JobStatus.DONE


async def test_side_effect_jobs_run_concurrently_up_to_the_bound(database: Database, runtime: Runtime) -> None:
    running, most = 0, 0
    full = asyncio.Event()

    async def handler(runtime: Runtime, payload: dict[str, Any]) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        if running == 4:
            full.set()
        async with asyncio.timeout(BOUND_SECONDS):
            await full.wait()  # returns only once four run at the same time
        running -= 1
        if running == 0:
            full.clear()

    kind = side_effect_kind(handler)
    async with database.transaction() as connection:
        ids = [await enqueue(connection, kind, {"n": n}) for n in range(8)]
    runner = Runner(runtime, concurrency=4, only=(kind,))
    assert await runner.run_jobs() == 4
    assert await runner.run_jobs() == 4
    assert most == 4
    assert {(await job_row(database, job_id)).status for job_id in ids} == {JobStatus.DONE}


async def test_the_heartbeat_keeps_a_job_slower_than_its_lease_from_being_claimed_again(
    database: Database, runtime: Runtime
) -> None:
    calls: list[str] = []
    started = asyncio.Event()

    async def handler(runtime: Runtime, payload: dict[str, Any]) -> None:
        calls.append(payload["n"])
        started.set()
        await asyncio.sleep(LEASE_SECONDS * 1.5)  # longer than the lease: only the heartbeat keeps the job ours

    kind = side_effect_kind(handler)
    async with database.transaction() as connection:
        job_id = await enqueue(connection, kind, {"n": "only"})
    slow = Runner(runtime, lease_seconds=LEASE_SECONDS, only=(kind,))
    working = asyncio.create_task(slow.run_jobs())
    async with asyncio.timeout(BOUND_SECONDS):
        await started.wait()
    other = Runner(runtime, lease_seconds=LEASE_SECONDS, only=(kind,))
    while not working.done():  # another runner keeps trying to claim it meanwhile
        await other.run_jobs()
        await asyncio.sleep(0.05)
    assert await working == 1
    assert calls == ["only"]
    done = await job_row(database, job_id)
    assert (done.status, done.attempts, done.locked_by) == (JobStatus.DONE, 1, slow.name)


async def test_a_job_whose_lease_was_taken_over_is_cancelled_before_its_side_effect(
    database: Database, runtime: Runtime
) -> None:
    started, sent = asyncio.Event(), []
    never = asyncio.Event()

    async def handler(runtime: Runtime, payload: dict[str, Any]) -> None:
        started.set()
        await never.wait()  # e.g. waiting for a free SMTP connection
        sent.append(payload)

    kind = side_effect_kind(handler)
    async with database.transaction() as connection:
        job_id = await enqueue(connection, kind, {})
    runner = Runner(runtime, lease_seconds=LEASE_SECONDS, only=(kind,))
    working = asyncio.create_task(runner.run_jobs())
    async with asyncio.timeout(BOUND_SECONDS):
        await started.wait()
    async with database.transaction() as connection:  # what another runner does once a lease expired
        await connection.execute(update(jobs).where(jobs.c.id == job_id).values(locked_by="thief"))
    async with asyncio.timeout(BOUND_SECONDS):
        await working  # ends because the heartbeat cancelled the job
    assert sent == []
    row = await job_row(database, job_id)
    assert (row.status, row.locked_by) == (JobStatus.RUNNING, "thief")  # left to the runner that has it
    # The thief never runs it: once its lease expires, a later test's runner claims it, and must not
    # wait for ever.
    never.set()
