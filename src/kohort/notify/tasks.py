"""Background work of notifications: the email consumer's sweep (new events → their emails), and the
reminder sweep (every minute, owners of running groups whose reminder is due get it: midway for groups
of up to 7 days; start + 7 days and end − 5 days for longer ones)."""

from __future__ import annotations

from kohort.events import service as events_service
from kohort.notify import service as notify
from kohort.referral_group import service as group_service
from kohort.runtime import Runtime, session_scope
from kohort.worker import queue
from kohort.worker.registry import periodic

SWEEP_SECONDS = 60.0
# New events are looked for every second: the emails of an order leave about a second after it.
EVENTS_SWEEP_SECONDS = 1.0
# A full batch of this many events (a settlement's) queues enough emails to make the queue's statistics stale.
BURST_EVENTS = 200


@periodic("notify.events", every_seconds=EVENTS_SWEEP_SECONDS)
async def email_new_events(runtime: Runtime, *, batch_size: int) -> int:
    """One batch of new events, claimed and emailed in one transaction: exactly once, and the emails of a
    whole batch (a settlement's thousands) in a few queries and one insert."""
    async with session_scope(runtime) as connection:
        claimed = await events_service.claim_for_emails(connection, limit=batch_size)
        await notify.emails_for_events(connection, claimed, outbox=runtime.outbox)
    if len(claimed) >= min(batch_size, BURST_EVENTS):
        await queue.refresh_statistics_after_burst(runtime.database)
    return len(claimed)


@periodic("notify.reminders", every_seconds=SWEEP_SECONDS)
async def send_due_reminders(runtime: Runtime, *, batch_size: int) -> int:
    async with session_scope(runtime) as connection:
        due = await group_service.claim_due_reminders(connection, limit=min(batch_size, 200))
        for group, stage in due:
            await notify.reminder(connection, group.tenant, group=group, stage=stage, outbox=runtime.outbox)
    return len(due)
