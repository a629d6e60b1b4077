"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.factories.server import free_port


class Inbox:
    """aiosmtpd handler: every accepted message, parsed. It advertises PIPELINING as Postfix does (aiosmtpd
    reads commands one line at a time, so pipelined ones work) unless told not to."""

    def __init__(self, *, delay: float = 0.0, pipelining: bool = True) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False
        # Seconds the server takes to accept each message (a slow mail server).
        self.delay = delay
        # The client port of the connection each message came over: tells reused connections apart.
        self.peers: list[int] = []
        self.pipelining = pipelining

    async def handle_EHLO(  # noqa: N802 - aiosmtpd's name
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse:
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        self.peers.append(int(session.peer[1]))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


@contextmanager
def smtp_server(*, delay: float = 0.0, pipelining: bool = True) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox(delay=delay, pipelining=pipelining)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()
