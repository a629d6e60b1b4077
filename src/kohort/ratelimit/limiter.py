"""The limiter endpoints use: refuse a request whose subjects spent their budget, and spend it."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from starlette.requests import Request

from kohort.config import Settings
from kohort.db import Database
from kohort.errors import TooManyRequests
from kohort.kit import clock
from kohort.ratelimit.domain import Rule, Subject, subjects_for
from kohort.ratelimit.stores import CounterStore, DatabaseStore, MemoryStore, RedisStore


class RateLimiter:
    def __init__(self, store: CounterStore, *, enabled: bool = True) -> None:
        self.store = store
        self.enabled = enabled

    @staticmethod
    def _window(rule: Rule) -> tuple[int, float]:
        """The current window's number and the Unix time it ends."""
        now = clock.now().timestamp()
        window = math.floor(now / rule.period_seconds)
        return window, (window + 1) * rule.period_seconds

    async def check(self, rule: Rule, subjects: Sequence[Subject]) -> None:
        """Raise TooManyRequests if any subject has spent its budget in this window."""
        if not self.enabled:
            return
        window, ends = self._window(rule)
        for subject in subjects:
            limit = rule.limit_for(subject)
            if limit and await self.store.count(rule.bucket(subject), window) >= limit:
                retry_after = max(1, math.ceil(ends - clock.now().timestamp()))
                raise TooManyRequests(f"Too many requests; retry in {retry_after} seconds.", retry_after=retry_after)

    async def spend(self, rule: Rule, subjects: Sequence[Subject]) -> None:
        if not self.enabled:
            return
        window, ends = self._window(rule)
        for subject in subjects:
            if rule.limit_for(subject):
                await self.store.add(rule.bucket(subject), window, expires_at=ends)

    @asynccontextmanager
    async def guard(self, rule: Rule, subjects: Sequence[Subject],
                    *, counts: tuple[type[Exception], ...] | None = None) -> AsyncIterator[None]:
        """Check before the block; spend when it raises one of `counts` (every attempt when None). Open it
        outside the unit of work: a shared store is another round trip, never held inside a transaction.

        Once a budget is spent, every request of that subject is refused, hits and misses alike: answering
        known codes would tell the prober which guesses are right."""
        await self.check(rule, subjects)
        try:
            yield
        except Exception as error:
            if counts is None or isinstance(error, counts):
                await self.spend(rule, subjects)
            raise
        if counts is None:
            await self.spend(rule, subjects)

    async def close(self) -> None:
        await self.store.close()


def subjects_of(request: Request, key_id: str | None = None) -> tuple[Subject, ...]:
    """The request's client address (as the server saw it: behind a proxy, see uvicorn's
    `--forwarded-allow-ips`) and its API key, if any."""
    return subjects_for(ip=request.client.host if request.client is not None else None, key_id=key_id)


@dataclass(frozen=True)
class RateLimits:
    """The process's limiter and the rules the endpoints apply, from the settings."""

    limiter: RateLimiter
    # Look-ups of share codes that name no group (validate, group pages).
    share_code_misses: Rule
    # Withdrawals with an unknown order or a wrong token (the API and the page).
    withdrawal_failures: Rule

    def guard(self, rule: Rule, subjects: Sequence[Subject],
              *, counts: tuple[type[Exception], ...] | None = None) -> AbstractAsyncContextManager[None]:
        return self.limiter.guard(rule, subjects, counts=counts)

    async def close(self) -> None:
        await self.limiter.close()


def limits_from_settings(settings: Settings, database: Database) -> RateLimits:
    backend = settings.rate_limit_backend
    if backend == "auto":
        backend = "redis" if settings.redis_url else "memory" if database.is_sqlite else "database"
    store: CounterStore
    if backend == "redis":
        if not settings.redis_url:
            raise ValueError("KOHORT_RATE_LIMIT_BACKEND=redis needs KOHORT_REDIS_URL")
        store = RedisStore(settings.redis_url)
    elif backend == "database":
        store = DatabaseStore(database)
    elif backend == "memory":
        store = MemoryStore()
    else:
        raise ValueError("KOHORT_RATE_LIMIT_BACKEND must be auto, memory, database or redis")
    return RateLimits(
        limiter=RateLimiter(store, enabled=settings.rate_limits_enabled),
        share_code_misses=Rule("share_code_misses", per_ip=settings.rate_limit_share_code_misses_per_ip,
                               per_key=settings.rate_limit_share_code_misses_per_key),
        withdrawal_failures=Rule("withdrawal_failures", per_ip=settings.rate_limit_withdrawal_failures_per_ip,
                                 per_key=0),
    )
