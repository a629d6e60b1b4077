"""Exactly-once settlement under real concurrency on PostgreSQL: several `kohort worker` processes, the
full-group job and the test helper racing over the same groups; a worker SIGKILLed in the middle of a
batch or of a job, then restarted. Real processes, bounded waits, always cleaned up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from kohort.db import Database
from kohort.ledger import audit
from kohort.models import jobs, ledger_transactions, orders, payment_groups
from tests.factories.merchant import Merchant
from tests.factories.referral_group import group_with_orders, set_settings

pytestmark = pytest.mark.usefixtures("postgres_only")
WAIT_SECONDS = 60


@pytest.fixture
def spawn_worker(database: Database) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Starts `kohort worker` processes on the test database; kills any still running at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def spawn(*options: str) -> subprocess.Popen[bytes]:
        environment = {**os.environ, "KOHORT_DATABASE_URL": database.url, "KOHORT_LOG_LEVEL": "warning"}
        process = subprocess.Popen(
            [sys.executable, "-m", "kohort.cli.main", "worker", "--poll-interval", "0.05", "--sweep-every", "0.1",
             *options],
            env=environment, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield spawn
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


async def _connect(database: Database) -> asyncpg.Connection:
    url = make_url(database.url)
    return await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                                 database=url.database)


@pytest.fixture
async def raw(database: Database) -> AsyncIterator[asyncpg.Connection]:
    """A plain driver connection of the test's own, to hold locks."""
    connection = await _connect(database)
    yield connection
    await connection.close()


@pytest.fixture
async def observer(database: Database) -> AsyncIterator[asyncpg.Connection]:
    """Another one, outside any transaction: it makes groups due and watches the server's activity
    (pg_stat_activity is frozen for the length of a transaction, so the lock holder cannot watch)."""
    connection = await _connect(database)
    yield connection
    await connection.close()


async def make_due(raw: asyncpg.Connection, group_ids: list[str]) -> None:
    await raw.execute("UPDATE payment_groups SET expires_at = now() - interval '1 second' WHERE id = any($1::text[])",
                      group_ids)


async def wait_for(predicate: Callable[[], Any], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def statuses(database: Database, group_ids: list[str]) -> dict[str, str]:
    async with database.transaction() as connection:
        rows = await connection.execute(
            select(payment_groups.c.id, payment_groups.c.status).where(payment_groups.c.id.in_(group_ids)))
        return dict(rows.all())


async def assert_settled_exactly_once(database: Database, merchant: Merchant, groups: dict[str, list[dict]]) -> None:
    """Every group ended as its size says; every order of a completed group got its cashback once; one
    posting per completed group; the books balance; no settle job failed."""
    completed = [group_id for group_id, placed in groups.items() if len(placed) >= 2]
    assert await statuses(database, list(groups)) == {
        group_id: "COMPLETED" if len(placed) >= 2 else "EXPIRED" for group_id, placed in groups.items()
    }
    async with database.transaction() as connection:
        postings = (await connection.execute(
            select(ledger_transactions.c.idempotency_key).where(ledger_transactions.c.organization_id == merchant.id)
        )).scalars().all()
        assert sorted(postings) == sorted(f"settlement:{group_id}" for group_id in completed)
        cashback = dict((await connection.execute(
            select(orders.c.id, orders.c.amount_cashback).where(orders.c.organization_id == merchant.id))).all())
        for placed in groups.values():
            for order in placed:
                assert cashback[order["id"]] == (order["amount"] // 20 if len(placed) >= 2 else None)
        failures = (await connection.execute(
            select(func.count()).select_from(jobs).where(jobs.c.kind == "referral_group.settle",
                                                         jobs.c.last_error.is_not(None)))).scalar_one()
        assert failures == 0
        assert await audit.violations(connection, organization_id=merchant.id) == []


async def test_workers_the_full_group_job_and_the_test_helper_race_and_each_group_settles_once(
    database: Database, merchant: Merchant, observer: asyncpg.Connection, spawn_worker: Callable[..., Any]
) -> None:
    await set_settings(merchant, maxParticipants=3)
    groups: dict[str, list[dict]] = {}
    for index in range(36):
        size = (1, 2, 3)[index % 3]  # alone, pair, full (the full ones have a settle job queued)
        group_id, placed = await group_with_orders(merchant, [2_000 * (1 + index % 5)] * size)
        groups[group_id] = placed
    await make_due(observer, list(groups))  # now every group is due for the sweeps as well

    workers = [spawn_worker("--sweep-batch-size", "4") for _ in range(3)]
    # The test helper races the workers, from this process, on every group.
    endings = await asyncio.gather(
        *(merchant.post(f"/test-helpers/groups/{group_id}/end") for group_id in reversed(list(groups)))
    )
    assert {response.status_code for response in endings} == {200}

    async def all_settled() -> bool:
        return "OPEN" not in (await statuses(database, list(groups))).values()

    await wait_for(all_settled, "every group to settle")

    async def no_settle_job_left() -> bool:
        async with database.transaction() as connection:
            return not (await connection.execute(select(jobs.c.id).where(
                jobs.c.kind == "referral_group.settle", jobs.c.status.in_(("queued", "running")),
                jobs.c.payload["group_id"].as_string().in_(list(groups))))).first()

    await wait_for(no_settle_job_left, "the full-group jobs to finish")
    assert all(worker.poll() is None for worker in workers), "a worker crashed"
    await assert_settled_exactly_once(database, merchant, groups)


async def test_a_worker_killed_in_the_middle_of_a_batch_loses_and_doubles_nothing(
    database: Database, merchant: Merchant, raw: asyncpg.Connection, observer: asyncpg.Connection,
    spawn_worker: Callable[..., Any],
) -> None:
    groups: dict[str, list[dict]] = {}
    for index in range(20):
        group_id, placed = await group_with_orders(merchant, [4_000] * (1 + index % 3))
        groups[group_id] = placed
    blocker = next(placed[-1] for placed in groups.values() if len(placed) == 3)

    # Hold one order of the batch: the worker's transaction will close every group, then wait on it.
    holder = raw
    await holder.execute("BEGIN")
    await holder.execute("SELECT id FROM orders WHERE id = $1 FOR UPDATE", blocker["id"])
    try:
        await make_due(observer, list(groups))
        victim = spawn_worker("--sweep-batch-size", "1000")

        async def stuck_mid_batch() -> bool:
            # Its groups are closed (uncommitted) and it waits on our order to grant the cashback.
            waiting = await observer.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE 'UPDATE orders%'")
            return waiting > 0

        await wait_for(stuck_mid_batch, "the worker to be inside its batch")
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        await holder.execute("ROLLBACK")

    async def batch_rolled_back() -> bool:
        # The killed worker's server process notices its client is gone and rolls the batch back.
        return not await observer.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND query LIKE 'UPDATE orders%' AND state <> 'idle'")

    await wait_for(batch_rolled_back, "the killed worker's transaction to end")
    assert set((await statuses(database, list(groups))).values()) == {"OPEN"}  # nothing half-done

    spawn_worker("--sweep-batch-size", "7")

    async def all_settled() -> bool:
        return "OPEN" not in (await statuses(database, list(groups))).values()

    await wait_for(all_settled, "the restarted worker to settle every group")
    await assert_settled_exactly_once(database, merchant, groups)


async def test_a_worker_killed_while_running_a_job_leaves_it_to_the_next_after_the_lease(
    database: Database, merchant: Merchant, raw: asyncpg.Connection, observer: asyncpg.Connection,
    spawn_worker: Callable[..., Any],
) -> None:
    await set_settings(merchant, maxParticipants=2)
    group_id, placed = await group_with_orders(merchant, [6_000, 8_000])  # full: a settle job is queued

    await raw.execute("BEGIN")
    await raw.execute("SELECT id FROM payment_groups WHERE id = $1 FOR UPDATE", group_id)
    try:
        victim = spawn_worker("--lease-seconds", "2")

        async def job_running() -> bool:
            return await observer.fetchval(
                "SELECT count(*) FROM jobs WHERE payload->>'group_id' = $1 AND status = 'running'", group_id) > 0

        await wait_for(job_running, "the worker to claim the job")
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        await raw.execute("ROLLBACK")

    spawn_worker("--lease-seconds", "2")

    async def settled() -> bool:
        return (await statuses(database, [group_id]))[group_id] == "COMPLETED"

    await wait_for(settled, "the job to be claimed again and run")
    async with database.transaction() as connection:
        job = (await connection.execute(select(jobs).where(jobs.c.dedupe_key == f"settle:{group_id}"))).mappings().one()
    assert job["attempts"] == 2
    assert job["status"] == "done"
    await assert_settled_exactly_once(database, merchant, {group_id: placed})
