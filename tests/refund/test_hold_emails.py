"""The hold's emails through a real SMTP server (issue 10): when a group completes, each member hears how
much cashback is coming and from which day, without a withdrawal link; when the hold ends, "cashback
available" brings the link, with what can be withdrawn. In each shopper's language."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import httpx
import pytest

from kohort.db import Database
from kohort.email.sender import SmtpSender
from kohort.kit import formatting as fmt
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant, create_merchant, unique_email
from tests.factories.referral_group import end_now, set_settings
from tests.factories.refund import order, refund
from tests.factories.smtp import Inbox, parts, smtp_server
from tests.factories.withdrawal import LINK


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture
async def smtp_runtime(runtime: Runtime, smtp: tuple[Inbox, int]) -> AsyncIterator[Runtime]:
    sender = SmtpSender(host="127.0.0.1", port=smtp[1], sender="Kohort <no-reply@kohort.test>")
    yield dataclasses.replace(runtime, sender=sender)
    await sender.aclose()


@pytest.fixture
async def holding_merchant(database: Database, app_client: httpx.AsyncClient) -> Merchant:
    return await create_merchant(database, app_client, cashback_hold_days=None)  # the default 14 days


async def test_completed_says_how_much_and_when_then_the_hold_end_sends_the_links(
    smtp_runtime: Runtime, holding_merchant: Merchant, smtp: tuple[Inbox, int]
) -> None:
    merchant, inbox = holding_merchant, smtp[0]
    await set_settings(merchant, discountLevels=[{"participantsToUnlock": 2, "value": 10},
                                                 {"participantsToUnlock": 3, "value": 20}], maxParticipants=10)
    ann, bob, eve = unique_email("ann"), unique_email("bob"), unique_email("eve")
    owner = await merchant.order(amount=10_000, email=ann, locale="en_US")
    joiner = await merchant.order(amount=20_000, email=bob, share_code=owner["paymentGroupShareId"], locale="fr_FR")
    third = await merchant.order(amount=5_000, email=eve, share_code=owner["paymentGroupShareId"], locale="fr_FR")
    await end_now(merchant, owner["paymentGroupId"])
    await Runner(smtp_runtime, batch_size=100).drain()

    available_at = datetime.fromisoformat((await order(merchant, owner["id"]))["cashbackAvailableAt"].replace("Z", "+00:00"))
    [english] = [message for message in inbox.to(ann) if "complete" in message["Subject"]]
    assert english["Subject"] == "Your kohort is complete: €20.00 of cashback is coming 🎉"  # 20 % of 100.00
    text, html = parts(english)
    assert fmt.date(available_at, "en_US") in text
    assert not LINK.search(text)
    assert not LINK.search(html)
    [french] = [message for message in inbox.to(bob) if "40,00" in message["Subject"]]
    assert fmt.date(available_at, "fr_FR") in parts(french)[0]
    assert not any(LINK.search(parts(message)[0]) for message in inbox.to(ann) + inbox.to(bob))

    # During the hold Eve returns everything: 10 % for the two left; the links carry the new amounts.
    await refund(merchant, third["id"])
    released = await merchant.post(f"/test-helpers/groups/{owner['paymentGroupId']}/release-cashback")
    assert released.status_code == 200, released.text
    await Runner(smtp_runtime, batch_size=100).drain()

    [ann_link] = [message for message in inbox.to(ann) if LINK.search(parts(message)[0])]
    assert "€10.00 of cashback for you" in parts(ann_link)[0]
    [bob_link] = [message for message in inbox.to(bob) if LINK.search(parts(message)[0])]
    assert "20,00\u00a0€ de cashback pour vous" in parts(bob_link)[0]
    assert f"/w/{joiner['id']}?token=" in parts(bob_link)[0]
    # Nothing left to withdraw for Eve: no link.
    assert not any(LINK.search(parts(message)[0]) for message in inbox.to(eve))
