"""The console backend prints emails into the process's log: live-mode withdrawal links lose their token
there (whoever reads the log could redirect the payout); test-mode ones stay clickable for the local
demo. It warns at start that nothing is delivered."""

from __future__ import annotations

import logging

import pytest

from kohort.email.sender import ConsoleSender, MemorySender, OutgoingEmail, mask_link_tokens
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant, unique_email

TOKEN = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f"
LINK = f"http://127.0.0.1:8000/w/ord_0123456789abcdef0123?token={TOKEN}"


def _email(*, livemode: bool) -> OutgoingEmail:
    return OutgoingEmail(
        to="ann@example.com",
        subject="Your cashback",
        html=f'<a href="{LINK}">Go</a>',
        text=f"Withdraw here: {LINK}\nThanks",
        from_name="Maison Lune",
        livemode=livemode,
    )


def test_the_console_backend_warns_at_start(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kohort.email"):
        ConsoleSender("Kohort <no-reply@kohort.test>")
    assert any("email.console_backend" in record.getMessage() for record in caplog.records)


async def test_live_mode_tokens_are_masked_in_printed_links(capsys: pytest.CaptureFixture[str]) -> None:
    await ConsoleSender("Kohort <no-reply@kohort.test>").send(_email(livemode=True))
    printed = capsys.readouterr().err
    assert TOKEN not in printed
    assert TOKEN[:8] not in printed
    assert "/w/ord_0123456789abcdef0123?token=********" in printed
    assert "Thanks" in printed


async def test_test_mode_links_are_printed_whole(capsys: pytest.CaptureFixture[str]) -> None:
    await ConsoleSender("Kohort <no-reply@kohort.test>").send(_email(livemode=False))
    assert LINK in capsys.readouterr().err


def test_masking_covers_every_token_parameter_and_nothing_else() -> None:
    text = f"{LINK} and https://shop.example/w/ord_1?x=1&token=abc#top and tokens=keep and ?token=\n"
    masked = mask_link_tokens(text)
    assert masked == (
        "http://127.0.0.1:8000/w/ord_0123456789abcdef0123?token=******** and "
        "https://shop.example/w/ord_1?x=1&token=********#top and tokens=keep and ?token=\n"
    )


async def test_the_email_job_tells_the_sender_which_mode_the_email_is_about(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    test_email, live_email = unique_email(), unique_email()
    await merchant.order(email=test_email)
    await merchant.order(email=live_email, key="sk_live")
    await Runner(runtime, batch_size=100).drain()
    assert {email.livemode for email in outbox.sent if email.to == test_email} == {False}
    assert {email.livemode for email in outbox.sent if email.to == live_email} == {True}
