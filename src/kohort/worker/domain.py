"""Jobs as the rest of the code sees them: frozen values built from rows of the job table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kohort.models import JobStatus, jobs
from kohort.models.base import check_row_shape

# The status lives in models (below every service); re-exported here for the code above.
__all__ = ["ClaimedJob", "Job", "JobPayload", "JobStatus"]

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


_STATUS = [column.name for column in jobs.columns].index("status")

check_row_shape(jobs, Job)
