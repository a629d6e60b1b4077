"""Where domains declare their job handlers (`@task`) and periodic sweeps (`@periodic`).

Two kinds of handler:

* transactional (the default): `function(runtime, connection, payload)` runs inside a transaction opened
  by the runner, and the job is marked done in that same transaction, so its database effects and its
  completion commit together.
* side effect (`transactional=False`): `function(runtime, payload)` gets no connection, because it talks
  to the network (SMTP): no transaction or database lock is held while it runs. The runner claims the
  job in one short transaction and records the outcome in another; while it runs, the runner keeps its
  lease alive, and never starts one whose lease it cannot vouch for.

Handlers must still be safe to run twice (a worker may die after its work but before recording it):
reload rows, re-check state, write conditionally.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.runtime import Runtime
from kohort.worker.domain import DEFAULT_BACKOFF, Backoff, JobPayload

# A handler gets the runner's runtime (for what the job needs besides the database: the cipher, the email
# sender), the job's transaction and its payload.
Handler = Callable[[Runtime, AsyncConnection, JobPayload], Awaitable[None]]
# A side-effect handler gets no transaction: it must not write to the database.
SideEffectHandler = Callable[[Runtime, JobPayload], Awaitable[None]]
# A sweep gets the runtime (it opens its own transactions with `session_scope`) and a batch size; it returns
# how much work it did, and the runner calls it again at once while it keeps finding work.
Sweep = Callable[..., Awaitable[int]]


@dataclass(frozen=True, slots=True)
class Task:
    kind: str
    # A `Handler` when transactional, a `SideEffectHandler` otherwise.
    function: Callable[..., Awaitable[None]]
    transactional: bool
    backoff: Backoff


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: float
    function: Sweep


_tasks: dict[str, Task] = {}
_periodics: dict[str, Periodic] = {}


def _register(kind: str, function: Callable[..., Awaitable[None]], *, transactional: bool, backoff: Backoff) -> None:
    existing = _tasks.get(kind)
    if existing is not None and existing.function is not function:
        raise ValueError(f"two handlers for job kind {kind!r}")
    _tasks[kind] = Task(kind=kind, function=function, transactional=transactional, backoff=backoff)


def task(kind: str, *, backoff: Backoff = DEFAULT_BACKOFF) -> Callable[[Handler], Handler]:
    """Register `function(runtime, connection, payload)` as the transactional handler of jobs of `kind`."""

    def register(function: Handler) -> Handler:
        _register(kind, function, transactional=True, backoff=backoff)
        return function

    return register


def side_effect_task(kind: str, *, backoff: Backoff = DEFAULT_BACKOFF) -> Callable[[SideEffectHandler],
                                                                                      SideEffectHandler]:
    """Register `function(runtime, payload)` as the handler of jobs of `kind` that act outside the
    database (send an email): it runs with no transaction open, under a lease the runner keeps alive."""

    def register(function: SideEffectHandler) -> SideEffectHandler:
        _register(kind, function, transactional=False, backoff=backoff)
        return function

    return register


def periodic(name: str, *, every_seconds: float) -> Callable[[Sweep], Sweep]:
    """Register `function(runtime, *, batch_size) -> int` to run every `every_seconds` on every runner.
    Several runners may run it at once: it must claim its rows (SKIP LOCKED, conditional writes)."""

    def register(function: Sweep) -> Sweep:
        _periodics[name] = Periodic(name=name, every_seconds=every_seconds, function=function)
        return function

    return register


def task_for(kind: str) -> Task | None:
    return _tasks.get(kind)


def periodics() -> list[Periodic]:
    return list(_periodics.values())
