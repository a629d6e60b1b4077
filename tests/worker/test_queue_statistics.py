"""After a burst of queued jobs, PostgreSQL's planner statistics of the queue are refreshed at once, so the
claim keeps reading the first due jobs from its index (stale statistics made it sort the whole queue)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kohort.db import Database
from kohort.worker import queue


async def planner_row_estimate(database: Database) -> float:
    async with database.transaction() as connection:
        return float((await connection.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'jobs'"))).scalar_one())


async def test_a_burst_refreshes_the_queue_statistics_once_per_interval(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "_statistics_refreshed_at", None)
    async with database.transaction() as connection:
        await queue.enqueue_many(connection, "test.burst", [({"n": n}, f"burst:{n}") for n in range(1500)])
    assert await queue.refresh_statistics_after_burst(database) is True
    # Within the interval a second burst does not analyze again.
    assert await queue.refresh_statistics_after_burst(database) is False
    if not database.is_sqlite:
        assert await planner_row_estimate(database) >= 1500
