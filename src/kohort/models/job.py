"""Background jobs: one row per piece of work, written in the same transaction as the change needing it."""

from enum import StrEnum

from sqlalchemy import Column, Index, Integer, String, Table, Text

from kohort.models.base import JSONType, UTCDateTime, metadata


class JobStatus(StrEnum):
    """queued → running → done, or back to queued (retry with backoff), or dead after max_attempts."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


jobs = Table(
    "jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("payload", JSONType, nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("run_at", UTCDateTime, nullable=False),
    # The lease of the worker running it: past this instant a crashed worker's job is claimed again.
    Column("locked_until", UTCDateTime),
    Column("locked_by", String(64)),
    Column("last_error", Text),
    # Enqueueing the same event twice is a no-op: at most one job ever exists per dedupe key.
    Column("dedupe_key", String(200), unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Index("ix_jobs_status_run_at", "status", "run_at"),
    Index("ix_jobs_status_locked_until", "status", "locked_until"),
)
