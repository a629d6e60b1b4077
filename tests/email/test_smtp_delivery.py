"""Emails leave through a real SMTP server on loopback: queued in the causing transaction, sent after
commit by the runner, retried when the server refuses, never twice for the same event and recipient."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from kohort.db import Database
from kohort.email import outbox as email_outbox
from kohort.email.sender import OutgoingEmail, SmtpSender
from kohort.email.smtp import SmtpRefused
from kohort.kit.clock import FrozenClock
from kohort.models import jobs
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant, unique_email
from tests.factories.smtp import Inbox, parts, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


@pytest.fixture
async def smtp_runtime(runtime: Runtime, smtp: tuple[Inbox, int]) -> AsyncIterator[Runtime]:
    """The tests' runtime, sending through the loopback SMTP server instead of to memory."""
    sender = SmtpSender(host="127.0.0.1", port=smtp[1], sender="Kohort <no-reply@kohort.test>")
    yield dataclasses.replace(runtime, sender=sender)
    await sender.aclose()


async def _email_jobs(database: Database) -> list[dict]:
    async with database.transaction() as connection:
        rows = (await connection.execute(select(jobs).where(jobs.c.kind == "email.send"))).mappings().all()
    return [dict(row) for row in rows]


async def test_group_created_email_is_sent_after_commit_with_html_and_text_parts(
    smtp_runtime: Runtime, merchant: Merchant, inbox: Inbox
) -> None:
    await merchant.patch("/brand-settings", json={"displayName": "Lune <b>&</b> Co", "color": "12AB9F"})
    email = unique_email()
    order = await merchant.order(amount=3000, email=email, customerFirstName="Zoé", locale="fr_FR")
    assert inbox.to(email) == []  # nothing leaves inside the request

    await Runner(smtp_runtime, batch_size=100).drain()
    [message] = inbox.to(email)
    assert message["Subject"] == "Gagne du cashback suite à ton achat chez Lune <b>&</b> Co 🔥"
    assert "Lune <b>&</b> Co" in message["From"]
    text, html = parts(message)
    assert "Bonjour Zoé," in text
    assert order["paymentGroupShareId"] in text
    # autoescaped
    assert "Lune &lt;b&gt;&amp;&lt;/b&gt; Co" in html
    assert "<b>&</b>" not in html
    assert "#12AB9F" in html
    assert f"/fr_FR/pg/{order['paymentGroupShareId']}" in text


async def test_english_joiner_and_level_unlocked_emails(
    smtp_runtime: Runtime, merchant: Merchant, inbox: Inbox
) -> None:
    await merchant.patch("/payment-group-settings", json={
        "discountLevels": [{"participantsToUnlock": 2, "value": 10}, {"participantsToUnlock": 3, "value": 15}]})
    owner_email, first_email, second_email = unique_email(), unique_email(), unique_email()
    owner = await merchant.order(amount=3000, email=owner_email, locale="en_US")
    await merchant.order(amount=8000, email=first_email, share_code=owner["paymentGroupShareId"], locale="en_GB")
    await merchant.order(amount=5000, email=second_email, share_code=owner["paymentGroupShareId"])
    await Runner(smtp_runtime, batch_size=100).drain()

    [joined] = [m for m in inbox.to(first_email) if "already unlocked" in m["Subject"]]
    assert joined["Subject"] == "You already unlocked €8.00 cashback"
    # The first join reaches level 1 (the owner hears of it), the second reaches 15 %: everyone but that joiner.
    unlocked = [m for m in inbox.messages if "new cashback level" in m["Subject"] and parts(m)[0].startswith("Everyone now earns 15%")]
    assert sorted(m["To"] for m in unlocked) == sorted([owner_email, first_email])
    assert len([m for m in inbox.to(owner_email) if "new cashback level" in m["Subject"]]) == 2


async def test_a_refusing_server_means_a_retry_not_a_failed_request(
    database: Database, smtp_runtime: Runtime, merchant: Merchant, inbox: Inbox, frozen_clock: FrozenClock
) -> None:
    inbox.refuse = True
    email = unique_email()
    order = await merchant.order(amount=3000, email=email)  # the API answers 201 whatever SMTP does
    runner = Runner(smtp_runtime, batch_size=100)
    await runner.drain()
    key = email_outbox.dedupe_key("group_created", order["paymentGroupId"], email)
    [job] = [job for job in await _email_jobs(database) if job["dedupe_key"] == key]
    assert job["status"] == "queued"
    assert job["attempts"] == 1
    assert "451" in job["last_error"]
    assert inbox.to(email) == []

    inbox.refuse = False
    frozen_clock.advance(timedelta(minutes=5))
    await runner.drain()
    await runner.drain()
    assert len(inbox.to(email)) == 1


async def test_the_same_email_for_the_same_event_is_queued_once(database: Database, runtime: Runtime) -> None:
    context = {"brand": {"name": "Shop", "color": "ED395E", "logo_url": None, "livemode": False}, "first_name": "A",
               "cashback": 300, "withdrawal_url": "http://x/w/ord_1?token=ab", "order": {"id": "ord_1", "amount": 3000,
                                                                                        "created_at": None}}
    async with database.transaction() as connection:
        first = await runtime.outbox.enqueue(connection, kind="cashback_available", event_id="ord_dedupe_1",
                                           to="Same@Example.com", locale="fr_FR", context=context)
        second = await runtime.outbox.enqueue(connection, kind="cashback_available", event_id="ord_dedupe_1",
                                            to="same@example.com", locale="fr_FR", context=context)
    assert (first, second) == (True, False)
    stored = [job for job in await _email_jobs(database)
              if job["dedupe_key"] == email_outbox.dedupe_key("cashback_available", "ord_dedupe_1", "same@example.com")]
    assert len(stored) == 1
    assert "example.com" not in str(stored[0]["payload"])
    assert "token=ab" not in str(stored[0]["payload"])


async def test_an_hour_long_mail_outage_dead_letters_nothing(
    database: Database, smtp_runtime: Runtime, merchant: Merchant, inbox: Inbox, frozen_clock: FrozenClock
) -> None:
    assert email_outbox.RETRY.total(email_outbox.MAX_ATTEMPTS) >= timedelta(hours=24)
    inbox.refuse = True
    email = unique_email()
    order = await merchant.order(amount=3000, email=email)
    key = email_outbox.dedupe_key("group_created", order["paymentGroupId"], email)
    runner = Runner(smtp_runtime, batch_size=100)
    for _ in range(13):  # the server refuses for 65 minutes, the runner tries whenever the job is due
        await runner.drain()
        frozen_clock.advance(timedelta(minutes=5))
    [job] = [job for job in await _email_jobs(database) if job["dedupe_key"] == key]
    assert job["status"] == "queued"
    assert job["attempts"] >= 8
    assert inbox.to(email) == []

    inbox.refuse = False
    frozen_clock.advance(timedelta(hours=2, minutes=30))
    await runner.drain()
    assert len(inbox.to(email)) == 1


async def test_the_smtp_sender_reuses_its_connections(smtp_runtime: Runtime, inbox: Inbox) -> None:
    for n in range(5):
        await smtp_runtime.sender.send(OutgoingEmail(to=f"reuse{n}@example.com", subject="Hi", html="<p>Hi</p>",
                                                     text="Hi", from_name="Shop"))
    assert len(inbox.messages) == 5
    assert len(set(inbox.peers)) == 1  # one after the other: all over one connection

    inbox.refuse = True  # a failed conversation: that connection is closed, not reused
    with pytest.raises(SmtpRefused, match="451"):
        await smtp_runtime.sender.send(OutgoingEmail(to="refused@example.com", subject="Hi", html="", text="Hi",
                                                     from_name="Shop"))
    inbox.refuse = False
    await smtp_runtime.sender.send(OutgoingEmail(to="after@example.com", subject="Hi", html="", text="Hi",
                                                 from_name="Shop"))
    assert inbox.peers[-1] != inbox.peers[0]
