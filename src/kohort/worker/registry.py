"""Where domains declare their job handlers (`@task`) and periodic sweeps (`@periodic`).

A handler runs inside a transaction opened by the runner; the job is marked done in that same
transaction, so its database effects and its completion commit together. Handlers must still be safe to
run twice (a worker may die after its work but before noticing the commit; a lease may expire): reload
rows, re-check state, write conditionally.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.runtime import Runtime
from kohort.worker.domain import JobPayload

# A handler gets the runner's runtime (for what the job needs besides the database: the cipher, the email
# sender), the job's transaction and its payload.
Handler = Callable[[Runtime, AsyncConnection, JobPayload], Awaitable[None]]
# A sweep gets the runtime (it opens its own transactions with `session_scope`) and a batch size; it returns
# how much work it did, and the runner calls it again at once while it keeps finding work.
Sweep = Callable[..., Awaitable[int]]


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: float
    function: Sweep


_handlers: dict[str, Handler] = {}
_periodics: dict[str, Periodic] = {}


def task(kind: str) -> Callable[[Handler], Handler]:
    """Register `function(runtime, connection, payload)` as the handler of jobs of `kind`."""

    def register(function: Handler) -> Handler:
        if kind in _handlers and _handlers[kind] is not function:
            raise ValueError(f"two handlers for job kind {kind!r}")
        _handlers[kind] = function
        return function

    return register


def periodic(name: str, *, every_seconds: float) -> Callable[[Sweep], Sweep]:
    """Register `function(runtime, *, batch_size) -> int` to run every `every_seconds` on every runner.
    Several runners may run it at once: it must claim its rows (SKIP LOCKED, conditional writes)."""

    def register(function: Sweep) -> Sweep:
        _periodics[name] = Periodic(name=name, every_seconds=every_seconds, function=function)
        return function

    return register


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


def periodics() -> list[Periodic]:
    return list(_periodics.values())
