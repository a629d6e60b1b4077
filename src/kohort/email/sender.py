"""Email senders: SMTP (the real one), the console (the one-command local run) and memory (tests that
only need to see what went out). All take a fully rendered message."""

from __future__ import annotations

import asyncio
import binascii
import functools
import logging
import re
import secrets
import socket
import ssl
import sys
import time
from dataclasses import dataclass
from email import policy as email_policy
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from typing import Protocol

from kohort.email.smtp import SmtpConnection
from kohort.kit.text import has_control_characters, single_line

log = logging.getLogger("kohort.email")


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    html: str
    text: str
    from_name: str  # the merchant's name, as the original did
    # Whether the email concerns live data; unknown counts as live (the careful side).
    livemode: bool = True

    def to_mime(self, sender_address: str) -> EmailMessage:
        message = EmailMessage()
        # Names stored before line breaks were refused must not make the message impossible to build.
        message["From"] = formataddr((single_line(self.from_name), sender_address))
        message["To"] = self.to
        message["Subject"] = single_line(self.subject)
        message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2] or None)
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message

    def to_bytes(self, sender_address: str) -> bytes | None:
        """The same message as `to_mime`, written out directly: building an `EmailMessage` parses and
        refolds every header it is given, which cost more than the SMTP conversation. None when an address
        is not plain ASCII (the message then needs SMTPUTF8: `to_mime` handles it)."""
        if not (self.to.isascii() and sender_address.isascii()) or has_control_characters(self.to):
            return None
        boundary = f"==kohort_{secrets.token_hex(16)}=="
        subject = _subject_header(self.subject)
        head = (
            f"From: {formataddr((single_line(self.from_name), sender_address))}\r\n"
            f"To: {self.to}\r\n"
            f"Subject: {subject}\r\n"
            f"Message-ID: {make_msgid(domain=sender_address.rpartition('@')[2] or None)}\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
        )
        return b"".join((
            head.encode("ascii"),
            _part(boundary, "plain", self.text), _part(boundary, "html", self.html),
            f"--{boundary}--\r\n".encode("ascii"),
        ))


@functools.lru_cache(maxsize=1024)
def _subject_header(subject: str) -> str:
    """The Subject header's value: on one line, RFC 2047-encoded unless plain ASCII of a sane length.
    Cached: encoding cost a third of writing a message, and most subjects are the same for every recipient."""
    subject = single_line(subject)
    if not subject.isascii() or len(subject) > 900:
        return Header(subject, "utf-8").encode(linesep="\r\n")
    return subject


def _part(boundary: str, subtype: str, content: str) -> bytes:
    """One text part, quoted-printable (readable where it is ASCII, safe for any line length)."""
    # Ends with a line break, as EmailMessage.set_content writes it. One call for the whole part (it
    # keeps line breaks as they are): a call per line cost more than the encoding.
    lines = content.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n") + "\n"
    encoded = binascii.b2a_qp(lines.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")
    return (f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
            # The line break before the next boundary belongs to the boundary (RFC 2046 5.1.1).
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode("ascii") + encoded + b"\r\n"


def sender_address(sender: str) -> str:
    """The address of the configured sender (`Kohort <no-reply@example.com>`); a line break in it
    would break every email, so it stops the process at start instead."""
    if has_control_characters(sender):
        raise ValueError("the email sender must be a single line without control characters")
    return parseaddr(sender)[1]


class EmailSender(Protocol):
    async def send(self, email: OutgoingEmail) -> None:
        """Deliver or raise (the job is then retried with backoff)."""
        ...

    async def aclose(self) -> None:
        """Let go of what the sender holds open (connections)."""
        ...


class SmtpSender:
    """Sends through an SMTP server, reusing up to `pool_size` open connections (one conversation at a
    time on each): connecting, greeting and logging in cost more than the message itself.

    It speaks SMTP on the event loop (`kohort.email.smtp`, no threads), pipelining the envelope when the
    server allows it. A connection that failed in any way is closed rather than reused, and one left idle
    longer than `max_idle_seconds` is replaced: servers drop idle clients, and a message must never be
    resent on a fresh connection after an ambiguous failure. Once a conversation has begun it runs to its
    end even if the send is cancelled (a lost lease): the server may already hold the message."""

    def __init__(self, *, host: str, port: int, tls: str = "none", username: str | None = None,
                 password: str | None = None, sender: str, timeout: float = 10.0, pool_size: int = 16,
                 max_idle_seconds: float = 30.0, ssl_context: ssl.SSLContext | None = None) -> None:
        if tls not in ("none", "starttls", "ssl"):
            raise ValueError("smtp tls must be none, starttls or ssl")
        self.host, self.port, self.tls = host, port, tls
        self.username, self.password = username, password
        self.sender_address = sender_address(sender)
        self.timeout = timeout
        self.pool_size = pool_size
        self.max_idle_seconds = max_idle_seconds
        # Idle connections with the monotonic time they were last used. They belong to the event loop that
        # opened them (`_loop`); the pool starts afresh on another (tests run one loop per test).
        self._idle: list[tuple[SmtpConnection, float]] = []
        self._slots = asyncio.Semaphore(pool_size)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._local_hostname: str | None = None
        # None: the system's trust store (tests pass one trusting their own certificate).
        self._context = ssl_context
        self._conversations: set[asyncio.Future[None]] = set()

    def _pool(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._idle, self._slots = loop, [], asyncio.Semaphore(self.pool_size)
        return self._slots

    async def _connect(self) -> SmtpConnection:
        if self._local_hostname is None:
            # What smtplib says in EHLO; resolving it may block, so once and off the loop.
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        if self._context is None and self.tls != "none":
            self._context = ssl.create_default_context()
        return await SmtpConnection.open(
            self.host, self.port, tls=self.tls, username=self.username, password=self.password,
            timeout=self.timeout, local_hostname=self._local_hostname, context=self._context,
        )

    async def _take(self) -> SmtpConnection:
        while self._idle:
            connection, used_at = self._idle.pop()
            if time.monotonic() - used_at <= self.max_idle_seconds and connection.usable:
                return connection
            connection.abort()
        return await self._connect()

    async def send(self, email: OutgoingEmail) -> None:
        written = email.to_bytes(self.sender_address)
        smtputf8 = written is None and not (email.to.isascii() and self.sender_address.isascii())
        if written is None:
            mime = email.to_mime(self.sender_address)
            written = mime.as_bytes(policy=email_policy.SMTPUTF8 if smtputf8 else email_policy.SMTP)
        slots = self._pool()
        await slots.acquire()
        try:
            connection = await self._take()
        except BaseException:
            slots.release()
            raise
        conversation = asyncio.ensure_future(self._converse(connection, slots, email.to, written, smtputf8))
        # Kept until it ends: a cancelled send leaves it running, and the loop only holds tasks weakly.
        self._conversations.add(conversation)
        conversation.add_done_callback(self._conversations.discard)
        await asyncio.shield(conversation)

    async def _converse(self, connection: SmtpConnection, slots: asyncio.Semaphore, to: str, message: bytes,
                        smtputf8: bool) -> None:
        try:
            await connection.send(self.sender_address, to, message, smtputf8=smtputf8)
        except BaseException:
            connection.abort()
            raise
        else:
            self._idle.append((connection, time.monotonic()))
        finally:
            slots.release()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        if self._conversations:
            await asyncio.gather(*self._conversations, return_exceptions=True)
        await asyncio.gather(*(connection.close() for connection, _ in idle), return_exceptions=True)


# The single-use withdrawal token in a link (`/w/ord_…?token=…`): whoever reads it can redirect a payout.
_LINK_TOKEN = re.compile(r"([?&]token=)[^\s&#\"'<>]+")


def mask_link_tokens(text: str) -> str:
    """`text` with the value of every `token=` link parameter replaced by asterisks."""
    return _LINK_TOKEN.sub(r"\1********", text)


class ConsoleSender:
    """Prints emails instead of sending them: the local run needs no mail server.

    What it prints lands in logs, so withdrawal tokens in links are masked, except in emails about
    test-mode data (the local demo's links must stay clickable)."""

    def __init__(self, sender: str) -> None:
        self.sender_address = sender_address(sender)
        log.warning("email.console_backend: emails are printed, not sent; set KOHORT_EMAIL_BACKEND=smtp to deliver "
                    "them (withdrawal links of live-mode emails are printed with their token masked)")

    async def aclose(self) -> None:
        return None

    async def send(self, email: OutgoingEmail) -> None:
        text = mask_link_tokens(email.text) if email.livemode else email.text
        print(f"----- email from {email.from_name} <{self.sender_address}> to {email.to}: {email.subject}\n"
              f"{text}\n-----", file=sys.stderr, flush=True)


class MemorySender:
    """Keeps what was sent, for tests."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []

    async def send(self, email: OutgoingEmail) -> None:
        self.sent.append(email)

    async def aclose(self) -> None:
        return None
