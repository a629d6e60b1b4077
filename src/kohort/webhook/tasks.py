"""Background work of webhooks: the sweep that fans new events out into deliveries, and the one that
sends due deliveries (retries included)."""

from __future__ import annotations

import weakref

from kohort.db import Database
from kohort.runtime import Runtime, session_scope
from kohort.webhook import service
from kohort.webhook.delivery import DeliveryPump
from kohort.worker.registry import periodic

SWEEP_SECONDS = 1.0

_pumps: weakref.WeakKeyDictionary[Database, DeliveryPump] = weakref.WeakKeyDictionary()


def pump_for(runtime: Runtime) -> DeliveryPump:
    """This process's delivery pump for the runtime's database (its in-flight sends outlive one sweep call)."""
    pump = _pumps.get(runtime.database)
    if pump is None:
        pump = _pumps[runtime.database] = DeliveryPump(runtime.database, runtime.cipher)
    return pump


@periodic("webhook.dispatch", every_seconds=SWEEP_SECONDS)
async def dispatch_events(runtime: Runtime, *, batch_size: int) -> int:
    """Fan-out in a sweep rather than in the change's transaction: the order path writes one event row
    and nothing more, and a settlement's thousands of events become deliveries in a few bulk statements."""
    async with session_scope(runtime) as connection:
        return await service.dispatch_events(connection, limit=batch_size)


@periodic("webhook.deliver", every_seconds=SWEEP_SECONDS)
async def deliver_due(runtime: Runtime, *, batch_size: int) -> int:
    return await pump_for(runtime).pump(limit=batch_size)
