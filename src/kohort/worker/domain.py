"""Jobs as the rest of the code sees them: frozen values built from rows of the job table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kohort.models import JobStatus, jobs
from kohort.models.base import check_row_shape

# The status lives in models (below every service); re-exported here for the code above.
__all__ = ["DEFAULT_BACKOFF", "Backoff", "ClaimedJob", "Job", "JobPayload", "JobStatus"]

# What a job carries: JSON (ids and small values; the handler reloads rows and re-checks their state).
JobPayload = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    # Named by the domain that handles it, e.g. "referral_group.settle".
    kind: str
    payload: JobPayload
    status: JobStatus
    attempts: int
    max_attempts: int
    run_at: datetime
    # The lease of the worker running it: past this instant a crashed worker's job is claimed again.
    locked_until: datetime | None
    locked_by: str | None
    last_error: str | None
    dedupe_key: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Job:
        values = list(row)
        values[_STATUS] = JobStatus(values[_STATUS])
        return cls(*values)


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """What a runner needs of a job it just claimed."""

    id: str
    kind: str
    payload: JobPayload
    attempts: int
    max_attempts: int

    @property
    def out_of_attempts(self) -> bool:
        return self.attempts >= self.max_attempts


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between attempts: `first`, doubling each time up to `cap`, with up to 10 % jitter so that
    jobs failed together do not retry in step."""

    first: timedelta
    cap: timedelta

    def delay(self, attempts: int, *, jitter: float) -> timedelta:
        """The wait after the `attempts`-th failed attempt; `jitter` in [0, 1)."""
        seconds = min(self.cap.total_seconds(), self.first.total_seconds() * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds * (1 + jitter / 10))

    def total(self, attempts: int) -> timedelta:
        """The least time `attempts` attempts span before the job is dead (no jitter)."""
        return sum((self.delay(attempt, jitter=0.0) for attempt in range(1, attempts)), timedelta())


# 2 s, 4 s, 8 s … capped at an hour: database work that failed is usually a bug or a short outage.
DEFAULT_BACKOFF = Backoff(first=timedelta(seconds=2), cap=timedelta(hours=1))


_STATUS = [column.name for column in jobs.columns].index("status")

check_row_shape(jobs, Job)
