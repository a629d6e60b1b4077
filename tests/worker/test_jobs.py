"""The job mechanism: rows written in the caller's transaction, deduplicated, retried with backoff,
dead-lettered, leased; on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import Database
from kohort.kit.clock import FrozenClock
from kohort.models import JobStatus, jobs
from kohort.runtime import Runtime
from kohort.worker import registry, repository
from kohort.worker.queue import enqueue, enqueue_many
from kohort.worker.runner import Runner

_kinds = itertools.count(1)
calls: dict[str, list[dict[str, Any]]] = {}


def new_kind(behaviour: str) -> str:
    """A job kind private to one test, with a handler that records its calls and behaves as told."""
    kind = f"test.{behaviour}.{next(_kinds)}.{os.getpid()}"
    calls[kind] = []

    @registry.task(kind)
    async def handler(runtime: Runtime, connection: AsyncConnection, payload: dict[str, Any]) -> None:
        calls[kind].append(payload)
        if behaviour == "enqueue_then_fail":
            await enqueue(connection, "test.side_effect", {"from": kind}, dedupe_key=f"side:{kind}")
            raise RuntimeError("boom")
        if behaviour == "fail":
            raise RuntimeError(f"boom {len(calls[kind])}")

    return kind


async def job_row(database: Database, job_id: str) -> Any:
    async with database.transaction() as connection:
        return await repository.get(connection, job_id)


async def drain_kind(runtime: Runtime, kind: str) -> None:
    """Run passes of a runner until no job of `kind` is runnable now (other tests' jobs may run too)."""
    runner = Runner(runtime, batch_size=50)
    for _ in range(50):
        if not await runner.run_jobs():
            return


async def test_a_job_enqueued_in_a_rolled_back_transaction_does_not_exist(database: Database) -> None:
    kind = new_kind("ok")
    # The failure must happen inside the transaction, after the enqueue: two statements on purpose.
    with pytest.raises(RuntimeError, match="the change needing the job failed"):  # noqa: PT012
        async with database.transaction() as connection:
            job_id = await enqueue(connection, kind, {"n": 1})
            raise RuntimeError("the change needing the job failed")
    assert await job_row(database, job_id) is None


async def test_enqueueing_the_same_event_twice_is_a_no_op(database: Database) -> None:
    kind = new_kind("ok")
    async with database.transaction() as connection:
        first = await enqueue(connection, kind, {"n": 1}, dedupe_key=f"once:{kind}")
        second = await enqueue(connection, kind, {"n": 2}, dedupe_key=f"once:{kind}")
    async with database.transaction() as connection:
        third = await enqueue(connection, kind, {"n": 3}, dedupe_key=f"once:{kind}")
    assert first is not None
    assert second is None
    assert third is None
    async with database.transaction() as connection:
        rows = (await connection.execute(select(jobs).where(jobs.c.kind == kind))).mappings().all()
    assert [row["payload"] for row in rows] == [{"n": 1}]


async def test_a_batch_of_jobs_is_queued_once_per_key_and_keeps_its_payloads(database: Database) -> None:
    """The bulk enqueue (a batch of emails): a key used before, or twice in the batch, queues one job."""
    kind = new_kind("ok")
    async with database.transaction() as connection:
        await enqueue(connection, kind, {"n": 0}, dedupe_key=f"bulk:{kind}:0")
    payloads = [{"n": 0}, {"n": 1, "text": "é \"quoted\" ✓", "nested": {"list": [1, None]}}, {"n": 2}, {"n": 3}]
    async with database.transaction() as connection:
        await enqueue_many(connection, kind, [
            (payloads[0], f"bulk:{kind}:0"), (payloads[1], f"bulk:{kind}:1"), (payloads[2], f"bulk:{kind}:2"),
            (payloads[3], f"bulk:{kind}:2"),
        ], max_attempts=5)
    async with database.transaction() as connection:
        rows = (await connection.execute(select(jobs).where(jobs.c.kind == kind).order_by(jobs.c.dedupe_key)))
        found = [(row["dedupe_key"], row["payload"], row["status"], row["max_attempts"]) for row in rows.mappings()]
    assert found == [
        (f"bulk:{kind}:0", {"n": 0}, JobStatus.QUEUED, 8),
        (f"bulk:{kind}:1", payloads[1], JobStatus.QUEUED, 5),
        (f"bulk:{kind}:2", {"n": 2}, JobStatus.QUEUED, 5),
    ]


async def test_the_runner_runs_a_due_job_once_and_marks_it_done(
    database: Database, runtime: Runtime, frozen_clock: FrozenClock
) -> None:
    kind = new_kind("ok")
    async with database.transaction() as connection:
        job_id = await enqueue(connection, kind, {"order_id": "ord_1"})
        later_id = await enqueue(connection, kind, {"order_id": "ord_2"}, run_at=frozen_clock.now() + timedelta(hours=1))

    await drain_kind(runtime, kind)
    await drain_kind(runtime, kind)

    assert calls[kind] == [{"order_id": "ord_1"}]
    done = await job_row(database, job_id)
    assert done.status == "done"
    assert done.attempts == 1
    assert done.finished_at is not None
    assert (await job_row(database, later_id)).status == "queued"

    frozen_clock.advance(timedelta(hours=1))
    await drain_kind(runtime, kind)
    assert calls[kind] == [{"order_id": "ord_1"}, {"order_id": "ord_2"}]


async def test_a_failing_job_is_retried_with_backoff_then_dead(
    database: Database, runtime: Runtime, frozen_clock: FrozenClock
) -> None:
    kind = new_kind("fail")
    async with database.transaction() as connection:
        job_id = await enqueue(connection, kind, {}, max_attempts=3)

    await drain_kind(runtime, kind)
    first = await job_row(database, job_id)
    assert first.status == "queued"
    assert first.attempts == 1
    assert "boom 1" in first.last_error
    first_delay = first.run_at - frozen_clock.now()
    assert timedelta(seconds=2) <= first_delay <= timedelta(seconds=2.2)

    await drain_kind(runtime, kind)  # not due yet: nothing happens
    assert len(calls[kind]) == 1

    frozen_clock.advance(first_delay)
    await drain_kind(runtime, kind)
    second = await job_row(database, job_id)
    assert second.status == "queued"
    assert second.attempts == 2
    assert second.run_at - frozen_clock.now() >= timedelta(seconds=4)  # the delay doubled

    frozen_clock.advance(timedelta(minutes=1))
    await drain_kind(runtime, kind)
    dead = await job_row(database, job_id)
    assert dead.status == "dead"
    assert dead.attempts == 3
    assert "boom 3" in dead.last_error

    frozen_clock.advance(timedelta(days=1))
    await drain_kind(runtime, kind)
    assert len(calls[kind]) == 3  # a dead job is never run again by itself


async def test_a_failed_job_leaves_none_of_its_writes(database: Database, runtime: Runtime) -> None:
    kind = new_kind("enqueue_then_fail")
    async with database.transaction() as connection:
        await enqueue(connection, kind, {})
    await drain_kind(runtime, kind)
    assert len(calls[kind]) == 1
    async with database.transaction() as connection:
        side = (await connection.execute(select(jobs).where(jobs.c.dedupe_key == f"side:{kind}"))).first()
    assert side is None


async def test_a_job_whose_worker_died_is_claimed_again_after_its_lease(
    database: Database, runtime: Runtime, frozen_clock: FrozenClock
) -> None:
    kind = new_kind("ok")
    async with database.transaction() as connection:
        job_id = await enqueue(connection, kind, {"n": 1})
    # A worker claims it, then dies before running it (nothing else happens on its side).
    async with database.transaction() as connection:
        claimed = await repository.claim(
            connection, now=frozen_clock.now(), lease_until=frozen_clock.now() + timedelta(seconds=60),
            worker="dead-worker", limit=1000,
        )
    assert job_id in {row.id for row in claimed}

    await drain_kind(runtime, kind)
    assert calls[kind] == []  # still leased to the dead worker

    frozen_clock.advance(timedelta(seconds=61))
    await drain_kind(runtime, kind)
    assert calls[kind] == [{"n": 1}]
    row = await job_row(database, job_id)
    assert row.status == "done"
    assert row.attempts == 2


async def test_the_cli_lists_dead_jobs_and_retries_them(database: Database, runtime: Runtime) -> None:
    kind = new_kind("fail")
    async with database.transaction() as connection:
        job_id = await enqueue(connection, kind, {"why": "inspect me"}, max_attempts=1)
    await drain_kind(runtime, kind)
    assert (await job_row(database, job_id)).status == "dead"

    environment = {**os.environ, "KOHORT_DATABASE_URL": database.url}
    listed = subprocess.run(
        [sys.executable, "-m", "kohort.cli.main", "jobs", "list", "--status", "dead", "--kind", kind, "--json"],
        env=environment, capture_output=True, text=True, timeout=60, check=True,
    )
    found = json.loads(listed.stdout)
    assert [job["id"] for job in found] == [job_id]
    assert found[0]["payload"] == {"why": "inspect me"}
    assert "boom 1" in found[0]["lastError"]

    subprocess.run([sys.executable, "-m", "kohort.cli.main", "jobs", "retry", job_id],
                   env=environment, capture_output=True, text=True, timeout=60, check=True)
    again = await job_row(database, job_id)
    assert again.status == "queued"
    assert again.attempts == 0


async def test_finished_jobs_are_purged_after_a_week(
    database: Database, runtime: Runtime, frozen_clock: FrozenClock
) -> None:
    kind = new_kind("ok")
    async with database.transaction() as connection:
        job_id = await enqueue(connection, kind, {})
    await drain_kind(runtime, kind)
    runner = Runner(runtime)
    frozen_clock.advance(timedelta(days=6))
    await runner.drain()
    assert (await job_row(database, job_id)).status == "done"
    frozen_clock.advance(timedelta(days=1, seconds=1))
    await runner.drain()
    assert await job_row(database, job_id) is None


async def test_a_runner_limited_by_prefix_leaves_other_kinds_queued(database: Database, runtime: Runtime) -> None:
    wanted, other = new_kind("ok"), new_kind("ok")
    async with database.transaction() as connection:
        wanted_id = await enqueue(connection, wanted, {"n": 1})
        other_id = await enqueue(connection, other, {"n": 2})
    limited = Runner(runtime, batch_size=50, only=(wanted,))
    for _ in range(50):
        if not await limited.run_jobs():
            break
    assert calls[wanted] == [{"n": 1}]
    assert calls[other] == []
    assert (await job_row(database, wanted_id)).status == JobStatus.DONE
    assert (await job_row(database, other_id)).status == JobStatus.QUEUED
    await drain_kind(runtime, other)
    assert calls[other] == [{"n": 2}]


async def test_the_cli_retries_every_dead_job_of_a_kind_and_counts_them(database: Database, runtime: Runtime) -> None:
    kind, other = new_kind("fail"), new_kind("fail")
    async with database.transaction() as connection:
        ids = [await enqueue(connection, kind, {"n": n}, max_attempts=1) for n in range(3)]
        other_id = await enqueue(connection, other, {}, max_attempts=1)
    await drain_kind(runtime, kind)
    await drain_kind(runtime, other)
    assert {(await job_row(database, job_id)).status for job_id in [*ids, other_id]} == {JobStatus.DEAD}

    retried = subprocess.run(
        [sys.executable, "-m", "kohort.cli.main", "jobs", "retry", "--all", "--kind", kind],
        env={**os.environ, "KOHORT_DATABASE_URL": database.url}, capture_output=True, text=True, timeout=60,
        check=True,
    )
    assert "3 dead job(s) queued again" in retried.stdout
    assert [(await job_row(database, job_id)).status for job_id in ids] == [JobStatus.QUEUED] * 3
    assert (await job_row(database, other_id)).status == JobStatus.DEAD
