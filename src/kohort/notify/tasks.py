"""Background work of notifications: the sweep that hands new events to their consumers (shopper emails and
webhook deliveries, in one claim), and the reminder sweep (every minute, owners of running groups whose
reminder is due get it: midway for groups of up to 7 days; start + 7 days and end − 5 days for longer ones)."""

from __future__ import annotations

from kohort.events import service as events_service
from kohort.kit import clock
from kohort.notify import service as notify
from kohort.referral_group import service as group_service
from kohort.runtime import Runtime, session_scope
from kohort.webhook import delivery
from kohort.webhook import service as webhook_service
from kohort.webhook.tasks import pump_for
from kohort.worker import queue
from kohort.worker.registry import periodic

SWEEP_SECONDS = 60.0
# New events are looked for every second: the emails and webhooks of an order leave about a second after it.
EVENTS_SWEEP_SECONDS = 1.0
# A full batch of this many events (a settlement's) queues enough emails to make the queue's statistics stale.
BURST_EVENTS = 200


@periodic("notify.events", every_seconds=EVENTS_SWEEP_SECONDS)
async def consume_new_events(runtime: Runtime, *, batch_size: int) -> int:
    """One batch of new events, claimed once for both consumers: in the claim's transaction their emails
    are queued (one insert) and their webhook deliveries inserted (one insert), so each happens exactly
    once, and a settlement's thousands of events cost a few queries. As many deliveries as this process's
    sender has free slots are inserted already claimed by it and sent once the transaction has committed:
    no second claim, and a crash before the send leaves them to be claimed again when their lease ends."""
    pump = pump_for(runtime)
    lease_until = clock.now() + delivery.LEASE
    async with session_scope(runtime) as connection:
        claimed = await events_service.claim_new(connection, limit=batch_size)
        # An event handled by the email consumer alone (before one claim served both) has its emails already.
        await notify.emails_for_events(connection, [event for event in claimed if event.notified_at is None],
                                       outbox=runtime.outbox)
        leased = await webhook_service.fan_out(connection, claimed, lease_until=lease_until, leased=pump.free_slots)
    pump.start(leased)
    if len(claimed) >= min(batch_size, BURST_EVENTS):
        await queue.refresh_statistics_after_burst(runtime.database)
    return len(claimed)


@periodic("notify.unemailed", every_seconds=SWEEP_SECONDS)
async def email_fanned_out_events(runtime: Runtime, *, batch_size: int) -> int:
    """Events fanned out to webhooks whose emails were never queued: left by consumers that claimed each
    event twice (one for emails, one for webhooks), before an upgrade. Rare, so once a minute."""
    async with session_scope(runtime) as connection:
        claimed = await events_service.claim_for_emails(connection, limit=batch_size)
        await notify.emails_for_events(connection, claimed, outbox=runtime.outbox)
    return len(claimed)


@periodic("notify.reminders", every_seconds=SWEEP_SECONDS)
async def send_due_reminders(runtime: Runtime, *, batch_size: int) -> int:
    async with session_scope(runtime) as connection:
        due = await group_service.claim_due_reminders(connection, limit=min(batch_size, 200))
        for group, stage in due:
            await notify.reminder(connection, group.tenant, group=group, stage=stage, outbox=runtime.outbox)
    return len(due)
