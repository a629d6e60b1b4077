"""The runner: claims due jobs in batches, runs each in its own transaction, retries with exponential
backoff, dead-letters after `max_attempts`, and runs the periodic sweeps.

One runner per process: `kohort worker` runs one alone, `kohort serve` one inside the app (asyncio
task). On PostgreSQL any number can run side by side: jobs are claimed with FOR UPDATE SKIP LOCKED under
a lease (a SIGKILLed worker's jobs are claimed again once it expires), and sweeps claim their rows the
same way. On SQLite every transaction takes the write lock up front, so runners simply take turns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import traceback
from dataclasses import dataclass, field
from datetime import timedelta

from kohort.logs import bound
from kohort.runtime import Runtime, session_scope
from kohort.worker import catalog, registry, repository
from kohort.worker.domain import ClaimedJob

log = logging.getLogger("kohort.worker")

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 3600.0


def retry_delay(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … capped at an hour, with up to 10 % jitter so failed jobs don't retry in step."""
    seconds = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * (1 + random.random() / 10))


class LeaseLost(Exception):
    """Raised inside a job's transaction when another runner took the job over (our lease expired):
    rolling back leaves the job to that runner."""


@dataclass
class Runner:
    runtime: Runtime
    batch_size: int = 20
    sweep_batch_size: int = 500
    lease_seconds: float = 60.0
    poll_interval: float = 0.5
    # Overrides every sweep's own period (e.g. a dedicated settlement worker sweeping more often).
    sweep_every: float | None = None
    # Name prefixes of the job kinds and sweeps this runner does (empty: everything). Lets a deployment
    # keep settlement workers apart from email workers, so a burst of emails never slows settlement.
    only: tuple[str, ...] = ()
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}")

    def __post_init__(self) -> None:
        self._modules = catalog.MODULES  # importing the catalog registered every handler and sweep
        self._next_sweep: dict[str, float] = {}

    async def run_sweeps(self) -> int:
        """Run every sweep whose time has come; one that found work stays due, so it drains quickly."""
        done = 0
        for sweep in registry.periodics():
            if self.only and not sweep.name.startswith(self.only):
                continue
            if self._next_sweep.get(sweep.name, 0.0) > time.monotonic():
                continue
            try:
                with bound(sweep=sweep.name):
                    found = await sweep.function(self.runtime, batch_size=self.sweep_batch_size)
            except Exception:  # a failing sweep must not stop the others; it runs again later
                log.exception("worker.sweep_failed", extra={"sweep": sweep.name})
                found = 0
            done += found
            period = self.sweep_every if self.sweep_every is not None else sweep.every_seconds
            self._next_sweep[sweep.name] = time.monotonic() + (0.0 if found else period)
        return done

    async def run_jobs(self) -> int:
        """Claim one batch of runnable jobs and run them; returns how many were claimed."""
        now = self.runtime.clock.now()
        async with session_scope(self.runtime) as connection:
            claimed = await repository.claim(
                connection, now=now, lease_until=now + timedelta(seconds=self.lease_seconds), worker=self.name,
                limit=self.batch_size, kind_prefixes=self.only,
            )
        for job in claimed:
            with bound(job_id=job.id, kind=job.kind):  # on every line the job's handler logs too
                await self._run(job)
        return len(claimed)

    async def _run(self, job: ClaimedJob) -> None:
        if job.attempts > job.max_attempts:
            # Its last attempt's runner died while holding it (lease expired): give up.
            await self._fail(job, "lease expired after the last attempt", dead=True)
            return
        handler = registry.handler_for(job.kind)
        if handler is None:
            await self._fail(job, f"no handler for job kind {job.kind!r}", dead=job.out_of_attempts)
            return
        try:
            async with session_scope(self.runtime) as connection:
                await handler(self.runtime, connection, dict(job.payload))
                if not await repository.finish(connection, job.id, worker=self.name, now=self.runtime.clock.now()):
                    raise LeaseLost(job.id)
        except LeaseLost:
            log.warning("worker.lease_lost", extra={"job_id": job.id, "kind": job.kind})
            return
        except Exception as error:  # noqa: BLE001 - any failure is retried, then dead-lettered
            text = "".join(traceback.format_exception_only(type(error), error)).strip()
            dead = job.out_of_attempts
            log.warning("worker.job_failed", extra={"job_id": job.id, "kind": job.kind, "dead": dead,
                                                     "error": text})
            await self._fail(job, text, dead=dead)

    async def _fail(self, job: ClaimedJob, error: str, *, dead: bool) -> None:
        now = self.runtime.clock.now()
        async with session_scope(self.runtime) as connection:
            await repository.fail(
                connection, job.id, worker=self.name, now=now, error=error,
                retry_at=None if dead else now + retry_delay(job.attempts),
            )

    async def run_once(self) -> int:
        """One pass: due sweeps, then one batch of jobs. Returns the amount of work found."""
        return await self.run_sweeps() + await self.run_jobs()

    async def drain(self, *, max_passes: int = 10_000) -> int:
        """Run passes until one finds nothing to do (tests, `kohort worker --drain`)."""
        total = 0
        for _ in range(max_passes):
            self._next_sweep.clear()
            found = await self.run_once()
            total += found
            if not found:
                break
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: work while there is work, otherwise wait `poll_interval`."""
        log.info("worker.started", extra={"worker": self.name})
        while not stop.is_set():
            try:
                found = await self.run_once()
            except Exception:  # e.g. the database restarting: wait and try again
                log.exception("worker.pass_failed")
                found = 0
            if not found:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.poll_interval)
        log.info("worker.stopped", extra={"worker": self.name})
