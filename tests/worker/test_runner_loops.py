"""The runner's loop: sweeps and jobs run beside each other, so a sweep that takes long (the email
consumer after a settlement) never leaves queued jobs unclaimed; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest

from kohort.db import Database
from kohort.runtime import Runtime
from kohort.worker import registry
from kohort.worker.queue import enqueue
from kohort.worker.runner import Runner

_prefixes = itertools.count(1)
BOUND_SECONDS = 30.0
JOBS = 10


@pytest.fixture
def prefix() -> Iterator[str]:
    """A name prefix for this test's job kind and sweep; the sweep is unregistered afterwards."""
    name = f"test.loops.{next(_prefixes)}.{os.getpid()}"
    yield name
    for sweep in [sweep for sweep in registry.periodics() if sweep.name.startswith(name)]:
        registry._periodics.pop(sweep.name)  # no other runner may meet a test's sweep


async def _queue_jobs(database: Database, kind: str) -> None:
    async with database.transaction() as connection:
        for number in range(JOBS):
            await enqueue(connection, kind, {"n": number})


async def test_jobs_are_claimed_and_run_while_a_sweep_is_busy(database: Database, runtime: Runtime, prefix: str) -> None:
    sent: list[int] = []
    sweeping, release = asyncio.Event(), asyncio.Event()

    async def handler(runtime: Runtime, payload: dict[str, Any]) -> None:
        sent.append(payload["n"])

    async def slow_sweep(runtime: Runtime, *, batch_size: int) -> int:
        sweeping.set()
        await release.wait()
        return 0

    registry.side_effect_task(f"{prefix}.job")(handler)
    registry.periodic(f"{prefix}.sweep", every_seconds=0.01)(slow_sweep)
    await _queue_jobs(database, f"{prefix}.job")
    stop = asyncio.Event()
    running = asyncio.create_task(Runner(runtime, only=(prefix,), poll_interval=0.05).run(stop))
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            await sweeping.wait()
            while len(sent) < JOBS:  # all of them, while the sweep has not returned
                await asyncio.sleep(0.02)
        assert not release.is_set()
    finally:
        release.set()
        stop.set()
        async with asyncio.timeout(BOUND_SECONDS):
            await running
    assert sorted(sent) == list(range(JOBS))


async def test_a_runner_with_no_sweep_of_its_own_runs_jobs_and_stops(
    database: Database, runtime: Runtime, prefix: str
) -> None:
    sent: list[int] = []

    async def handler(runtime: Runtime, payload: dict[str, Any]) -> None:
        sent.append(payload["n"])

    registry.side_effect_task(f"{prefix}.job")(handler)
    await _queue_jobs(database, f"{prefix}.job")
    stop = asyncio.Event()
    # `only` names the job kind: no sweep is this runner's, so its sweep loop has nothing to await.
    running = asyncio.create_task(Runner(runtime, only=(f"{prefix}.job",), poll_interval=0.05).run(stop))
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            while len(sent) < JOBS:
                await asyncio.sleep(0.02)
    finally:
        stop.set()
        async with asyncio.timeout(BOUND_SECONDS):
            await running
    assert sorted(sent) == list(range(JOBS))
