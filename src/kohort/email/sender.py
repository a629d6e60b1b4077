"""Email senders: SMTP (the real one), the console (the one-command local run) and memory (tests that
only need to see what went out). All take a fully rendered message."""

from __future__ import annotations

import asyncio
import binascii
import logging
import re
import secrets
import smtplib
import ssl
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from typing import Protocol

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
        is not plain ASCII (the message then needs SMTPUTF8: `to_mime` and smtplib handle it)."""
        if not (self.to.isascii() and sender_address.isascii()) or has_control_characters(self.to):
            return None
        boundary = f"==kohort_{secrets.token_hex(16)}=="
        subject = single_line(self.subject)
        if not subject.isascii() or len(subject) > 900:
            subject = Header(subject, "utf-8").encode(linesep="\r\n")
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


def _part(boundary: str, subtype: str, content: str) -> bytes:
    """One text part, quoted-printable (readable where it is ASCII, safe for any line length)."""
    # Ends with a line break, as EmailMessage.set_content writes it.
    lines = [*content.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n").split("\n"), ""]
    encoded = b"\r\n".join(binascii.b2a_qp(line.encode("utf-8"), istext=True) for line in lines)
    return (f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
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

    smtplib blocks, so each conversation runs on one of the sender's own threads (the event loop, and the
    API in the same process, stay responsive). A connection that failed in any way is closed rather than
    reused, and one left idle longer than `max_idle_seconds` is replaced: servers drop idle clients, and
    a message must never be resent on a fresh connection after an ambiguous failure."""

    def __init__(self, *, host: str, port: int, tls: str = "none", username: str | None = None,
                 password: str | None = None, sender: str, timeout: float = 10.0, pool_size: int = 16,
                 max_idle_seconds: float = 30.0) -> None:
        if tls not in ("none", "starttls", "ssl"):
            raise ValueError("smtp tls must be none, starttls or ssl")
        self.host, self.port, self.tls = host, port, tls
        self.username, self.password = username, password
        self.sender_address = sender_address(sender)
        self.timeout = timeout
        self.max_idle_seconds = max_idle_seconds
        self._threads = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="kohort-smtp")
        # Idle connections with the monotonic time they were last used; taken and returned under the lock.
        self._idle: list[tuple[smtplib.SMTP, float]] = []
        self._lock = threading.Lock()

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.tls == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
        except BaseException:
            _close(client)
            raise
        return client

    def _take(self) -> smtplib.SMTP:
        with self._lock:
            while self._idle:
                client, used_at = self._idle.pop()
                if time.monotonic() - used_at <= self.max_idle_seconds:
                    return client
                _close(client)
        return self._connect()

    def _send_blocking(self, email: OutgoingEmail) -> None:
        written = email.to_bytes(self.sender_address)
        client = self._take()
        try:
            if written is None:
                client.send_message(email.to_mime(self.sender_address))
            else:
                client.sendmail(self.sender_address, [email.to], written)
        except BaseException:
            _close(client)
            raise
        with self._lock:
            self._idle.append((client, time.monotonic()))

    async def send(self, email: OutgoingEmail) -> None:
        await asyncio.get_running_loop().run_in_executor(self._threads, self._send_blocking, email)

    async def aclose(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for client, _ in idle:
            _close(client)
        self._threads.shutdown(wait=False)


def _close(client: smtplib.SMTP) -> None:
    """QUIT if the server still listens, and close the socket in any case."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


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
