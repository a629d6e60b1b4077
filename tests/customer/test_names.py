"""How shoppers are named to other shoppers: the one display-name rule, on pages and in emails alike."""

from __future__ import annotations

import pytest

from kohort.customer.names import display_name
from kohort.email.sender import MemorySender
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant, unique_email


@pytest.mark.parametrize(
    ("first_name", "last_name", "expected"),
    [
        ("Ann", "Lee", "Ann L."),
        ("Ann", "lee", "Ann L."),  # the initial is a capital whatever was typed
        (" Ann ", "  Lee", "Ann L."),
        ("Ann", None, "Ann"),
        ("Ann", "  ", "Ann"),
        (None, "Lee", None),  # an initial alone names nobody: callers say "a friend"
        ("  ", "Lee", None),
        (None, None, None),
        ("", "", None),
    ],
)
def test_display_name(first_name: str | None, last_name: str | None, expected: str | None) -> None:
    assert display_name(first_name, last_name) == expected


@pytest.mark.parametrize(
    ("first_name", "last_name", "on_page", "in_email"),
    [
        ("Ann", "Lee", "Ann L.", "Ann L."),
        ("Ann", None, "Ann", "Ann"),
        (None, "Lee", "Friend", "your friend"),
        (None, None, "Friend", "your friend"),
    ],
)
async def test_the_group_page_and_the_emails_name_the_owner_alike(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender,
    first_name: str | None, last_name: str | None, on_page: str, in_email: str,
) -> None:
    owner_email, friend_email = unique_email(), unique_email()
    names = {key: value for key, value in (("firstName", first_name), ("lastName", last_name)) if value}
    created = await merchant.post("/customers", json={"emailAddress": owner_email, **names})
    assert created.status_code == 201, created.text
    owner = await merchant.order(amount=3000, email=owner_email, customerFirstName=None, customerLastName=None)
    await merchant.order(amount=3000, email=friend_email, share_code=owner["paymentGroupShareId"], locale="en_US")
    await Runner(runtime, batch_size=100).drain()

    page = (await merchant.client.get(f"/en_US/pg/{owner['paymentGroupShareId']}")).text
    assert f"<h1>{on_page}&#39;s kohort</h1>" in page
    [welcome] = [email for email in outbox.sent if email.to == friend_email]
    assert welcome.text.splitlines()[0] == f"Welcome to {in_email}'s kohort"
