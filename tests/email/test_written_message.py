"""The SMTP sender writes messages out directly (`OutgoingEmail.to_bytes`): read back by a mail client's
parser, they say exactly what `to_mime` (the standard library's EmailMessage) says."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from kohort.email.sender import OutgoingEmail

SENDER = "no-reply@kohort.test"
CASES = [
    OutgoingEmail(
        to="ann@example.com", subject="Earn cashback at Maison Lune — Café & Co",
        html="<p>héllo=</p>\n<a href='https://x.test/w/ord_1?token=a=b'>" + "y" * 300 + "</a>\n.leading dot\n \ttrail  \n",
        text="Hi Ann,\r\n\r\n.dot line\nprix: 12,00 € = cher\n" + "z" * 200 + "\n  trailing   ",
        from_name="Maison Lune — Café & Co",
    ),
    OutgoingEmail(to="ann@example.com", subject="Earn cashback at Shop\r\nBcc: x@example.com", html="<p>hi</p>",
                  text="hi", from_name="Shop\r\nBcc: x@example.com"),
    OutgoingEmail(to="b@example.com", subject="S" * 1000, html="", text="", from_name='Quote "me" <x>'),
    OutgoingEmail(to="b@example.com", subject="Ünïcode " * 60, html="x\n\n", text="a\n", from_name="Ä"),
]


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize("outgoing", CASES)
def test_the_written_message_reads_as_the_standard_one(outgoing: OutgoingEmail) -> None:
    written = outgoing.to_bytes(SENDER)
    assert written is not None
    ours = parsed(written)
    # As smtplib puts the standard message on the wire.
    standard = parsed(outgoing.to_mime(SENDER).as_bytes(policy=email.policy.default.clone(linesep="\r\n")))
    assert ours.defects == []
    assert ours["Bcc"] is None
    for header in ("From", "To", "Subject"):
        assert str(ours[header]) == str(standard[header])
    assert ours["Message-ID"].endswith("@kohort.test>")
    for kind in ("plain", "html"):
        mine, theirs = ours.get_body(preferencelist=(kind,)), standard.get_body(preferencelist=(kind,))
        assert mine is not None
        assert theirs is not None
        assert mine.get_content() == theirs.get_content()
    assert all(len(line) <= 998 for line in written.split(b"\r\n"))


def test_an_address_that_is_not_ascii_is_left_to_the_standard_message() -> None:
    assert OutgoingEmail(to="anné@exämple.com", subject="s", html="h", text="t", from_name="n").to_bytes(SENDER) is None
