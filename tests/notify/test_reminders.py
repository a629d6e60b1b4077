"""Owner reminders for order-based groups (the original never sent them, BEHAVIOUR.md §9.3): midway for
groups of up to 7 days, start + 7 days and end − 5 days for longer ones, once each, also after friends
joined (then with how many more friends reach the next level)."""

from __future__ import annotations

from datetime import timedelta

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.kit.clock import FrozenClock
from kohort.notify.tasks import send_due_reminders
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant, unique_email


def reminders_to(outbox: MemorySender, to: str) -> list[str]:
    return [email.subject for email in outbox.sent if email.to == to and "Participants" in email.text]


async def test_a_short_group_gets_one_midway_reminder_mentioning_the_next_level(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender, frozen_clock: FrozenClock
) -> None:
    await merchant.patch("/payment-group-settings", json={"minutesDuration": 60})
    owner_email = unique_email()
    owner = await merchant.order(amount=3000, email=owner_email, locale="en_US")
    await merchant.order(amount=3000, share_code=owner["paymentGroupShareId"])

    frozen_clock.advance(timedelta(minutes=29))
    await Runner(runtime, batch_size=100).drain()
    assert reminders_to(outbox, owner_email) == []

    frozen_clock.advance(timedelta(minutes=2))
    await Runner(runtime, batch_size=100).drain()
    await send_due_reminders(runtime, batch_size=100)
    await Runner(runtime, batch_size=100).drain()
    [subject] = reminders_to(outbox, owner_email)
    assert subject == "2 people in your kohort: keep going 🚀"
    text = next(email.text for email in outbox.sent if email.to == owner_email and email.subject == subject)
    assert "3 more friends to reach 10% cashback." in text  # defaults: 2 → 5 %, 5 → 10 %
    assert f"/en_US/pg/{owner['paymentGroupShareId']}" in text


async def test_a_long_group_gets_the_day_7_and_the_5_days_before_end_reminders(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender, frozen_clock: FrozenClock
) -> None:
    await merchant.patch("/payment-group-settings", json={"minutesDuration": 30 * 24 * 60})
    owner_email = unique_email()
    await merchant.order(amount=3000, email=owner_email)

    frozen_clock.advance(timedelta(days=8))
    await send_due_reminders(runtime, batch_size=100)
    await send_due_reminders(runtime, batch_size=100)  # already sent: nothing more
    await Runner(runtime, batch_size=100).drain()
    assert reminders_to(outbox, owner_email) == ["Toujours pas de cashback pour toi ? 😮"]

    frozen_clock.advance(timedelta(days=18))  # past end − 5 days at 08:00, before the end
    await send_due_reminders(runtime, batch_size=100)
    await Runner(runtime, batch_size=100).drain()
    assert reminders_to(outbox, owner_email)[-1] == "Derniers moments pour ton cashback ⏳"
    assert len(reminders_to(outbox, owner_email)) == 2
