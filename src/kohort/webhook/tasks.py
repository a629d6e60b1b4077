"""Background work of webhooks: the sender of due deliveries (retries, and whatever the fan-out did not hand
to its own process's sender). The fan-out of new events into deliveries is done with the emails, in one
claim of the events (`kohort.notify.tasks`)."""

from __future__ import annotations

import weakref

from kohort.db import Database
from kohort.runtime import Runtime
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


@periodic("webhook.deliver", every_seconds=SWEEP_SECONDS)
async def deliver_due(runtime: Runtime, *, batch_size: int) -> int:
    return await pump_for(runtime).pump(limit=batch_size)
