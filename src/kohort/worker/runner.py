"""The runner: claims due jobs in batches, runs a bounded number at once, records their outcomes in bulk,
retries with backoff, dead-letters after `max_attempts`, and runs the periodic sweeps.

One runner per process: `kohort worker` runs one alone, `kohort serve` one inside the app (asyncio
task). On PostgreSQL any number can run side by side: jobs are claimed with FOR UPDATE SKIP LOCKED under
a lease (a SIGKILLed worker's jobs are claimed again once it expires), and sweeps claim their rows the
same way. On SQLite every transaction takes the write lock up front, so runners simply take turns.

Each turn of the loop is one short transaction: record the side-effect jobs finished since the last
turn, then claim as many due jobs as there are free slots. A transactional job runs in a transaction
of its own, which also marks it done. A side-effect job (an email) runs with no transaction open.

At most once, for side effects: while a job is held, a heartbeat pushes its lease back every quarter
lease, so a slow mail server never lets another worker claim a job that is being sent. A job is
started only while its lease has at least half its length left; when the heartbeat cannot confirm a
lease (the job was taken over, or the database does not answer while the lease runs out), the job is
cancelled, which stops it unless its SMTP conversation has already begun.
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
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kohort.logs import bound
from kohort.runtime import Runtime, session_scope
from kohort.worker import catalog, registry, repository
from kohort.worker.domain import DEFAULT_BACKOFF, Backoff, ClaimedJob

log = logging.getLogger("kohort.worker")


class LeaseLost(Exception):
    """Raised inside a job's transaction when another runner took the job over (our lease expired):
    rolling back leaves the job to that runner."""


@dataclass(frozen=True, slots=True)
class _Failure:
    job_id: str
    error: str
    # None: dead.
    retry_at: datetime | None


@dataclass
class Runner:
    runtime: Runtime
    # Jobs claimed per turn at most.
    batch_size: int = 32
    # Jobs running at once; of them, at most `transactional_concurrency` hold a database connection.
    concurrency: int = 32
    transactional_concurrency: int = 4
    sweep_batch_size: int = 500
    lease_seconds: float = 60.0
    poll_interval: float = 0.5
    # While work trickles in, the pause between turns (and before a sweep that found some runs again):
    # long enough for a turn to find a batch rather than one job or event, short enough not to be seen.
    # A turn that filled its batch does not pause.
    busy_pause: float = 0.05
    # Overrides every sweep's own period (e.g. a dedicated settlement worker sweeping more often).
    sweep_every: float | None = None
    # Name prefixes of the job kinds and sweeps this runner does (empty: everything). Lets a deployment
    # keep settlement workers apart from email workers, so a burst of emails never slows settlement.
    only: tuple[str, ...] = ()
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}")

    @classmethod
    def configured(cls, runtime: Runtime, **overrides: Any) -> Runner:
        """A runner with the process's settings (`KOHORT_WORKER_…`), except the `overrides` given (None:
        the setting)."""
        settings = runtime.settings
        values: dict[str, Any] = {
            "batch_size": settings.worker_batch_size, "concurrency": settings.worker_concurrency,
            "sweep_batch_size": settings.settle_batch_size, "lease_seconds": settings.job_lease_seconds,
            "poll_interval": settings.worker_poll_interval,
        }
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(runtime, **values)

    def __post_init__(self) -> None:
        self._modules = catalog.MODULES  # importing the catalog registered every handler and sweep
        self._next_sweep: dict[str, float] = {}
        # Every job claimed and not yet recorded, with the lease last confirmed for it.
        self._held: dict[str, datetime] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._side_effects: set[str] = set()
        self._finished: list[str] = []
        self._failed: list[_Failure] = []
        self._transactions = asyncio.Semaphore(self.transactional_concurrency)
        # Set when enough running jobs finished to claim a new batch, or a sweep found work.
        self._room = asyncio.Event()

    @property
    def _busy_pause(self) -> float:
        return min(self.busy_pause, self.poll_interval)

    @property
    def _lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

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
            pause = 0.0 if found >= self.sweep_batch_size else min(self._busy_pause, period) if found else period
            self._next_sweep[sweep.name] = time.monotonic() + pause
        return done

    async def run_jobs(self) -> int:
        """Claim one batch of runnable jobs, run them and record how they ended; returns how many were
        claimed (tests and `drain`; `run` keeps jobs flowing without waiting for a whole batch)."""
        async with self._heartbeat():
            claimed = await self._turn(limit=min(self.batch_size, self.concurrency))
            await self._settle()
        return claimed

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
        """Until `stop` is set: keep up to `concurrency` jobs running, claiming more when half the slots
        are free, and run the sweeps beside them; when there is nothing to do, wait `poll_interval`. On
        stop, the running jobs finish and are recorded.

        Sweeps and jobs run in two loops of their own: taking turns, a sweep that keeps finding work (the
        email consumer after a settlement: seconds per batch) left the jobs it had queued unclaimed and
        the slots idle meanwhile."""
        log.info("worker.started", extra={"worker": self.name})
        async with self._heartbeat():
            sweeping = asyncio.create_task(self._sweep_until(stop), name="kohort-worker-sweeps")
            try:
                await self._claim_until(stop)
            finally:
                await sweeping
            await self._settle()
        log.info("worker.stopped", extra={"worker": self.name})

    async def _claim_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._room.clear()
            limit = min(self.batch_size, self.concurrency - len(self._tasks))
            try:
                claimed = await self._turn(limit=limit)
            except Exception:  # e.g. the database restarting: wait and try again
                log.exception("worker.pass_failed")
                claimed = 0
            if claimed >= limit > 0:
                # A full batch: more is likely waiting. Claim again as soon as half the slots are free,
                # not after a fixed pause: with a deep queue (a settlement's emails) the pause left the
                # slots idle once the batch was sent.
                if not self._has_room():
                    await self._wait_for_room(stop)
                continue
            if claimed:
                # Work trickles in: let it gather (claiming each job alone costs a transaction apiece),
                # unless stopped meanwhile.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._busy_pause)
                continue
            await self._wait_for_room(stop)

    async def _sweep_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if await self.run_sweeps():
                self._room.set()  # it may have queued jobs: claim them now rather than at the next poll
            now = time.monotonic()
            # None of this runner's (`only`): nothing is ever due, look again after a poll.
            due = min(self._next_sweep.values(), default=now + self.poll_interval) - now
            if due > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=min(due, self.poll_interval))
            else:
                await asyncio.sleep(0)  # a sweep that skipped all its work never awaited: let the jobs run

    async def _wait_for_room(self, stop: asyncio.Event) -> None:
        """Until half the slots are free, a sweep found work, `stop` is set, or `poll_interval` passed."""
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._room.wait())]
        await asyncio.wait(waits, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()

    def _has_room(self) -> bool:
        return len(self._tasks) <= self.concurrency // 2

    async def _settle(self) -> None:
        """Wait for the running jobs, then record their outcomes (retrying while the database is away)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)
        for delay in (0.0, 0.5, 1.0, 2.0, 5.0):
            await asyncio.sleep(delay)
            try:
                await self._turn(limit=0)
                return
            except Exception:
                log.exception("worker.record_failed")

    async def _turn(self, *, limit: int) -> int:
        """One short transaction: record the outcomes gathered since the last turn, then claim up to
        `limit` due jobs and start them. Returns how many were claimed."""
        finished, self._finished = self._finished, []
        failed, self._failed = self._failed, []
        if not finished and not failed and limit <= 0:
            return 0
        now = self.runtime.clock.now()
        lease_until = now + self._lease
        try:
            async with session_scope(self.runtime) as connection:
                recorded = await repository.finish_many(connection, finished, worker=self.name, now=now)
                for failure in failed:
                    await repository.fail(connection, failure.job_id, worker=self.name, now=now,
                                          error=failure.error, retry_at=failure.retry_at)
                claimed = [] if limit <= 0 else await repository.claim(
                    connection, now=now, lease_until=lease_until, worker=self.name, limit=limit,
                    kind_prefixes=self.only,
                )
        except BaseException:
            # Recorded next turn; meanwhile they stay held, so the heartbeat keeps their leases.
            self._finished[:0] = finished
            self._failed[:0] = failed
            raise
        for job_id in finished:
            self._held.pop(job_id, None)
            if job_id not in recorded:
                log.warning("worker.lease_lost", extra={"job_id": job_id})
        for failure in failed:
            self._held.pop(failure.job_id, None)
        for job in claimed:
            self._start(job, lease_until)
        return len(claimed)

    def _start(self, job: ClaimedJob, lease_until: datetime) -> None:
        self._held[job.id] = lease_until
        task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
        self._tasks[job.id] = task

        def done(_: asyncio.Task[None]) -> None:
            self._tasks.pop(job.id, None)
            self._side_effects.discard(job.id)
            if self._has_room():
                self._room.set()

        task.add_done_callback(done)

    async def _run(self, job: ClaimedJob) -> None:
        with bound(job_id=job.id, kind=job.kind):  # on every line the job's handler logs too
            found = registry.task_for(job.kind)
            if job.attempts > job.max_attempts:
                # Its last attempt's runner died while holding it (lease expired): give up.
                self._fail(job, "lease expired after the last attempt", dead=True, backoff=DEFAULT_BACKOFF)
            elif found is None:
                self._fail(job, f"no handler for job kind {job.kind!r}", dead=job.out_of_attempts,
                           backoff=DEFAULT_BACKOFF)
            elif found.transactional:
                await self._run_transactional(job, found)
            else:
                await self._run_side_effect(job, found)

    async def _run_transactional(self, job: ClaimedJob, found: registry.Task) -> None:
        try:
            async with self._transactions, session_scope(self.runtime) as connection:
                await found.function(self.runtime, connection, dict(job.payload))
                if not await repository.finish(connection, job.id, worker=self.name, now=self.runtime.clock.now()):
                    raise LeaseLost(job.id)
            self._held.pop(job.id, None)  # recorded with its work
        except LeaseLost:
            self._held.pop(job.id, None)
            log.warning("worker.lease_lost", extra={"job_id": job.id, "kind": job.kind})
        except Exception as error:  # noqa: BLE001 - any failure is retried, then dead-lettered
            self._fail(job, _describe(error), dead=job.out_of_attempts, backoff=found.backoff)

    async def _run_side_effect(self, job: ClaimedJob, found: registry.Task) -> None:
        if not self._lease_is_safe(job.id):
            # Its lease may run out before the work is done: leave the job to whoever claims it next.
            self._held.pop(job.id, None)
            log.warning("worker.lease_unsure", extra={"job_id": job.id, "kind": job.kind})
            return
        self._side_effects.add(job.id)
        try:
            await found.function(self.runtime, dict(job.payload))
        except asyncio.CancelledError:
            self._held.pop(job.id, None)  # the heartbeat could not vouch for its lease
            log.warning("worker.job_cancelled", extra={"job_id": job.id, "kind": job.kind})
            return
        except Exception as error:  # noqa: BLE001 - any failure is retried, then dead-lettered
            self._fail(job, _describe(error), dead=job.out_of_attempts, backoff=found.backoff)
            return
        self._finished.append(job.id)

    def _lease_is_safe(self, job_id: str) -> bool:
        lease_until = self._held.get(job_id)
        return lease_until is not None and lease_until - self.runtime.clock.now() >= self._lease / 2

    def _fail(self, job: ClaimedJob, error: str, *, dead: bool, backoff: Backoff) -> None:
        log.warning("worker.job_failed", extra={"job_id": job.id, "kind": job.kind, "dead": dead, "error": error})
        retry_at = None if dead else self.runtime.clock.now() + backoff.delay(job.attempts, jitter=random.random())
        self._failed.append(_Failure(job_id=job.id, error=error, retry_at=retry_at))

    @contextlib.asynccontextmanager
    async def _heartbeat(self) -> AsyncIterator[None]:
        beating = asyncio.create_task(self._beat_forever(), name="kohort-worker-heartbeat")
        try:
            yield
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 4)
            await self.beat()

    async def beat(self) -> None:
        """Extend the lease of every held job; cancel the side-effect jobs whose lease is lost or may run
        out before the next beat."""
        job_ids = list(self._held)
        if not job_ids:
            return
        now = self.runtime.clock.now()
        lease_until = now + self._lease
        try:
            async with session_scope(self.runtime) as connection:
                kept = await repository.extend_leases(connection, job_ids, worker=self.name,
                                                      lease_until=lease_until, now=now)
        except Exception:  # the database is away: keep what is safe, stop what is not
            log.exception("worker.heartbeat_failed")
            at_risk = [job_id for job_id, until in self._held.items() if until - now < self._lease / 2]
            self._cancel(at_risk)
            return
        lost = []
        for job_id in job_ids:
            if job_id in kept:
                if job_id in self._held:
                    self._held[job_id] = lease_until
            elif job_id in self._held:  # not recorded meanwhile: another runner has it
                lost.append(job_id)
        if lost:
            log.warning("worker.leases_lost", extra={"jobs": len(lost)})
            self._cancel(lost)

    def _cancel(self, job_ids: list[str]) -> None:
        for job_id in job_ids:
            task = self._tasks.get(job_id)
            # A transactional job is left to fail on its own: its `finish` notices the lost lease and
            # rolls its work back.
            if task is not None and job_id in self._side_effects:
                task.cancel()


def _describe(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()
