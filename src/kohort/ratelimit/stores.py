"""Where counters live: one fixed window per bucket; `count` reads it, `add` spends one and returns the
new count. Every store expires old windows by itself."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

import redis.asyncio as redis_asyncio
from sqlalchemy import bindparam, case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert

from kohort.db import Database
from kohort.models.ratelimit import rate_limit_counters


class CounterStore(Protocol):
    async def count(self, bucket: str, window: int) -> int: ...

    async def add(self, bucket: str, window: int, *, expires_at: float) -> int: ...

    async def close(self) -> None: ...


class MemoryStore:
    """This process only: enough where one process serves (the embedded SQLite setup)."""

    MAX_BUCKETS = 100_000  # a flood of distinct addresses cannot grow it without bound

    def __init__(self) -> None:
        self._counters: dict[str, tuple[int, int, float]] = {}  # bucket → (window, count, expires_at)

    async def count(self, bucket: str, window: int) -> int:
        found = self._counters.get(bucket)
        return found[1] if found is not None and found[0] == window else 0

    async def add(self, bucket: str, window: int, *, expires_at: float) -> int:
        if len(self._counters) >= self.MAX_BUCKETS:
            now = time.time()
            self._counters = {name: item for name, item in self._counters.items() if item[2] > now}
        count = await self.count(bucket, window) + 1
        self._counters[bucket] = (window, count, expires_at)
        return count

    async def close(self) -> None:
        return None


_COUNT = select(rate_limit_counters.c.count).where(
    rate_limit_counters.c.bucket == bindparam("bucket"), rate_limit_counters.c.window == bindparam("window")
)
_UPSERT = postgresql_insert(rate_limit_counters)
_ADD = _UPSERT.on_conflict_do_update(
    index_elements=[rate_limit_counters.c.bucket],
    set_={
        # A new window starts from one; the same window counts on (one atomic statement per spend).
        "count": case((rate_limit_counters.c.window == _UPSERT.excluded.window, rate_limit_counters.c.count + 1),
                      else_=1),
        "window": _UPSERT.excluded.window,
        "expires_at": _UPSERT.excluded.expires_at,
    },
).returning(rate_limit_counters.c.count)
CLEANUP_EVERY_SECONDS = 60.0


class DatabaseStore:
    """Shared by every process on one PostgreSQL database: each read or spend is one autocommit statement
    outside the request's transaction; expired rows are deleted about once a minute per process."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._next_cleanup = 0.0

    async def count(self, bucket: str, window: int) -> int:
        async with self._database.autocommit() as connection:
            found = (await connection.execute(_COUNT, {"bucket": bucket, "window": window})).scalar()
        return int(found or 0)

    async def add(self, bucket: str, window: int, *, expires_at: float) -> int:
        expiry = datetime.fromtimestamp(expires_at, UTC)
        async with self._database.autocommit() as connection:
            count = (await connection.execute(
                _ADD, {"bucket": bucket, "window": window, "count": 1, "expires_at": expiry})).scalar_one()
            if time.monotonic() >= self._next_cleanup:
                self._next_cleanup = time.monotonic() + CLEANUP_EVERY_SECONDS
                await connection.execute(
                    delete(rate_limit_counters).where(rate_limit_counters.c.expires_at < expiry - timedelta(hours=1)))
        return int(count)

    async def close(self) -> None:
        return None


class RedisStore:
    """Shared through Redis: `INCR` and `EXPIRE` in one round trip; keys vanish with their window."""

    PREFIX = "kohort:ratelimit:"

    def __init__(self, url: str) -> None:
        self._client = redis_asyncio.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)

    async def count(self, bucket: str, window: int) -> int:
        found = await self._client.get(f"{self.PREFIX}{bucket}:{window}")
        return int(found or 0)

    async def add(self, bucket: str, window: int, *, expires_at: float) -> int:
        name = f"{self.PREFIX}{bucket}:{window}"
        async with self._client.pipeline(transaction=True) as pipeline:
            pipeline.incr(name)
            pipeline.expireat(name, int(expires_at) + 1)
            count, _ = await pipeline.execute()
        return int(count)

    async def close(self) -> None:
        await self._client.aclose()
