"""Text that becomes an email header (the brand name is the sender's name and part of subjects) is
one line: a CR/LF or another control character is a 400 where it enters, and emails keep going out."""

from __future__ import annotations

import pytest

from kohort.db import Database
from kohort.email.sender import ConsoleSender, MemorySender, OutgoingEmail, SmtpSender
from kohort.errors import KohortError
from kohort.organization import service as organization_service
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant, unique_email
from tests.wire.test_bad_input import assert_4xx_envelope

BAD_NAMES = [
    "Maison Lune\r\nBcc: victim@example.com",
    "Maison Lune\nBcc: victim@example.com",
    "Maison\rLune",
    "Maison Lune\n",
    "Maison\tLune",
    "Maison\x0bLune",
    "Maison\x85Lune",  # NEL, a C1 control
    "Maison\u2028Lune",  # Unicode line separator
    "Maison\x1bLune",
]


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_a_brand_name_with_a_control_character_is_refused(merchant: Merchant, name: str) -> None:
    response = await merchant.patch("/brand-settings", json={"displayName": name})
    assert_4xx_envelope(response)
    assert "displayName" in response.json()["error"]["message"]
    assert (await merchant.get("/brand-settings")).json()["displayName"] == "Test shop"


@pytest.mark.parametrize("name", ["Shop\r\nBcc: victim@example.com", "Shop\u2029"])
async def test_an_organization_name_with_a_line_break_is_refused(database: Database, name: str) -> None:
    async with database.transaction() as connection:
        with pytest.raises(KohortError, match="single line"):
            await organization_service.create_organization(connection, name=name)


async def test_a_valid_brand_name_still_sends_emails(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    name = "Maison Lune — Café & Co"
    assert (await merchant.patch("/brand-settings", json={"displayName": name})).status_code == 200
    owner_email = unique_email()
    await merchant.order(amount=3000, email=owner_email, locale="en_US")
    await Runner(runtime, batch_size=100).drain()
    [email] = [sent for sent in outbox.sent if sent.to == owner_email]
    assert email.from_name == name
    assert name in email.subject
    message = email.to_mime("no-reply@kohort.test")
    assert message["From"].addresses[0].display_name == name
    assert message["Subject"] == email.subject


def test_a_stored_name_with_a_line_break_no_longer_breaks_the_message() -> None:
    # Stored before the rule: the message is built on one line instead of failing on every retry.
    email = OutgoingEmail(
        to="ann@example.com",
        subject="Earn cashback at Shop\r\nBcc: x@example.com",
        html="<p>hi</p>",
        text="hi",
        from_name="Shop\r\nBcc: x@example.com",
    )
    message = email.to_mime("no-reply@kohort.test")
    assert message["Bcc"] is None
    assert message["From"].addresses[0].display_name == "Shop Bcc: x@example.com"
    assert "\n" not in str(message["Subject"])


@pytest.mark.parametrize(
    "build", [lambda sender: ConsoleSender(sender), lambda sender: SmtpSender(host="127.0.0.1", port=25, sender=sender)]
)
def test_a_sender_setting_with_a_line_break_stops_the_process_at_start(build: object) -> None:
    with pytest.raises(ValueError, match="single line"):
        build("Kohort <no-reply@kohort.test>\r\nBcc: x@example.com")  # type: ignore[operator]
    assert build("Kohort <no-reply@kohort.test>").sender_address == "no-reply@kohort.test"  # type: ignore[operator]
