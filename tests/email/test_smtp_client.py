"""The SMTP sender's own client (`kohort.email.smtp`) against real servers on loopback: aiosmtpd (with and
without PIPELINING, STARTTLS, AUTH, SMTPUTF8) and a scripted server that refuses, drops, stalls or holds
its replies at a chosen step."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kohort.email.sender import OutgoingEmail, SmtpSender
from kohort.email.smtp import SmtpConnection, SmtpError, SmtpRefused
from tests.factories.server import free_port
from tests.factories.smtp import Inbox, parts, smtp_server

SENDER = "Kohort <no-reply@kohort.test>"


def outgoing(to: str = "ann@example.com", text: str = "Hi Ann") -> OutgoingEmail:
    return OutgoingEmail(to=to, subject="Hi", html="<p>Hi</p>", text=text, from_name="Shop")


@dataclass
class Script:
    """How the scripted server behaves. Steps: MAIL, RCPT, DATA, END (end of data)."""

    pipelining: bool = True
    # step → the reply instead of success
    refuse: dict[str, str] = field(default_factory=dict)
    # the step at which the server closes the connection without a word
    drop_at: str | None = None
    # the step at which the server goes silent
    stall_at: str | None = None
    # Hold the envelope's replies until DATA arrived (only a pipelining client gets through).
    hold_envelope: bool = False
    # Answer 503 to a command that arrived while another was still unanswered (a client pipelining to a
    # server that did not offer it).
    strict: bool = False
    received: list[str] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    connections: int = 0


@asynccontextmanager
async def scripted(script: Script) -> AsyncIterator[int]:
    async def conversation(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        script.connections += 1
        held: list[bytes] = []
        try:
            writer.write(b"220 scripted ESMTP\r\n")
            while True:
                line = (await reader.readline()).decode().rstrip("\r\n")
                if not line:
                    return
                verb = line[:4].upper()
                script.received.append(verb)
                if script.strict and reader._buffer:  # type: ignore[attr-defined]
                    writer.write(b"503 5.5.0 improper command pipelining\r\n")
                    continue
                if verb == "EHLO":
                    writer.write(b"250-scripted\r\n" + (b"250-PIPELINING\r\n" if script.pipelining else b"")
                                 + b"250 8BITMIME\r\n")
                    continue
                if verb == "QUIT":
                    writer.write(b"221 bye\r\n")
                    return
                if verb == script.drop_at:
                    return
                if verb == script.stall_at:
                    await asyncio.sleep(3600)
                reply = script.refuse.get(verb, {"MAIL": "250 ok", "RCPT": "250 ok", "DATA": "354 go on"}.get(verb, "250 ok"))
                if verb == "DATA" and reply.startswith("354"):
                    writer.write(b"".join(held) + reply.encode() + b"\r\n")
                    held.clear()
                    content = b""
                    while (data_line := await reader.readline()) != b".\r\n":
                        if not data_line:
                            return
                        content += data_line
                    script.received.append("END")
                    if script.drop_at == "END":
                        return
                    if script.stall_at == "END":
                        await asyncio.sleep(3600)
                    end = script.refuse.get("END", "250 queued")
                    if end.startswith("250"):
                        script.messages.append(content)
                    writer.write(end.encode() + b"\r\n")
                    continue
                if script.hold_envelope and verb in ("MAIL", "RCPT"):
                    held.append(reply.encode() + b"\r\n")
                    continue
                writer.write(b"".join(held) + reply.encode() + b"\r\n")
                held.clear()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(conversation, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


@asynccontextmanager
async def sender_to(port: int, **options: Any) -> AsyncIterator[SmtpSender]:
    sender = SmtpSender(host="127.0.0.1", port=port, sender=SENDER, **options)
    try:
        yield sender
    finally:
        await sender.aclose()


async def test_with_pipelining_the_envelope_goes_out_in_one_write() -> None:
    # The server answers MAIL and RCPT only once DATA arrived: a client waiting for each reply would hang.
    script = Script(hold_envelope=True)
    async with scripted(script) as port, sender_to(port, timeout=5) as sender:
        await sender.send(outgoing())
        await sender.send(outgoing(to="bob@example.com"))
    assert len(script.messages) == 2
    assert script.connections == 1
    assert b"To: bob@example.com" in script.messages[1]


async def test_without_pipelining_each_command_waits_for_its_reply() -> None:
    script = Script(pipelining=False, strict=True)
    async with scripted(script) as port, sender_to(port) as sender:
        await sender.send(outgoing())
    assert len(script.messages) == 1
    assert script.received[:5] == ["EHLO", "MAIL", "RCPT", "DATA", "END"]


async def test_a_server_without_pipelining_aiosmtpd() -> None:
    with smtp_server(pipelining=False) as (inbox, port):
        async with sender_to(port) as sender:
            await sender.send(outgoing(text=".a line with a leading dot\n.\nend"))
    [message] = inbox.messages
    assert parts(message)[0].replace("\r\n", "\n") == ".a line with a leading dot\n.\nend\n"


@pytest.mark.parametrize(("step", "reply"), [
    ("MAIL", "451 4.3.0 try later"), ("RCPT", "550 5.1.1 no such user"), ("DATA", "554 5.5.1 no valid recipients"),
    ("END", "452 4.3.1 insufficient storage"),
])
@pytest.mark.parametrize("pipelining", [True, False])
async def test_a_refusal_at_any_step_raises_and_the_connection_is_not_reused(
    step: str, reply: str, pipelining: bool
) -> None:
    script = Script(pipelining=pipelining, refuse={step: reply})
    async with scripted(script) as port, sender_to(port) as sender:
        with pytest.raises(SmtpRefused) as refused:
            await sender.send(outgoing())
        assert refused.value.code == int(reply[:3])
        assert reply[:3] in str(refused.value)
        script.refuse.clear()
        await sender.send(outgoing(to="after@example.com"))
    assert [b"To: after@example.com" in message for message in script.messages] == [True]
    assert script.connections == 2


@pytest.mark.parametrize("step", ["MAIL", "DATA", "END"])
async def test_a_dropped_connection_raises_and_the_next_send_connects_again(step: str) -> None:
    script = Script(drop_at=step)
    async with scripted(script) as port, sender_to(port) as sender:
        with pytest.raises((OSError, SmtpError)):
            await sender.send(outgoing())
        script.drop_at = None
        await sender.send(outgoing(to="after@example.com"))
    assert len(script.messages) == 1
    assert script.connections == 2


async def test_a_connection_the_server_closed_while_idle_is_not_used() -> None:
    with smtp_server() as (inbox, port):
        async with sender_to(port) as sender:
            await sender.send(outgoing())
            [(connection, _)] = sender._idle
            await connection.command("QUIT", 221)  # as a server timing out an idle client would end it
            await asyncio.sleep(0.1)
            await sender.send(outgoing(to="after@example.com"))
    assert [message["To"] for message in inbox.messages] == ["ann@example.com", "after@example.com"]


@pytest.mark.parametrize("step", ["MAIL", "END"])
async def test_a_server_that_stops_answering_times_out(step: str) -> None:
    script = Script(stall_at=step)
    async with scripted(script) as port, sender_to(port, timeout=0.5) as sender:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(sender.send(outgoing()), timeout=10)
    assert script.messages == []


async def test_a_slow_server_gets_every_message_over_the_pool() -> None:
    with smtp_server(delay=0.2) as (inbox, port):
        async with sender_to(port, pool_size=4) as sender:
            await asyncio.gather(*(sender.send(outgoing(to=f"n{index}@example.com")) for index in range(12)))
    assert sorted(message["To"] for message in inbox.messages) == sorted(f"n{index}@example.com" for index in range(12))
    assert len(set(inbox.peers)) <= 4


async def test_a_cancelled_send_sends_nothing_unless_its_conversation_had_begun() -> None:
    with smtp_server(delay=0.5) as (inbox, port):
        async with sender_to(port, pool_size=1) as sender:
            begun = asyncio.create_task(sender.send(outgoing(to="begun@example.com")))
            await asyncio.sleep(0.2)  # its conversation is under way; the next one waits for the connection
            waiting = asyncio.create_task(sender.send(outgoing(to="waiting@example.com")))
            await asyncio.sleep(0.05)
            begun.cancel()
            waiting.cancel()
            for task in (begun, waiting):
                with pytest.raises(asyncio.CancelledError):
                    await task
        # aclose waited for the conversation under way
    assert [message["To"] for message in inbox.messages] == ["begun@example.com"]


async def test_an_address_that_is_not_ascii_goes_out_with_smtputf8() -> None:
    with smtp_server() as (inbox, port):  # aiosmtpd offers SMTPUTF8 unless told not to
        async with sender_to(port) as sender:
            await sender.send(outgoing(to="zoé@exämple.com"))
    [message] = inbox.messages
    assert message["To"] == "zoé@exämple.com"

    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
    controller.start()
    try:
        async with sender_to(port) as sender:
            with pytest.raises(SmtpError, match="SMTPUTF8"):
                await sender.send(outgoing(to="zoé@exämple.com"))
    finally:
        controller.stop()


class Authenticator:
    def __init__(self) -> None:
        self.mechanisms: list[str] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        self.mechanisms.append(mechanism)
        good = data.login == b"shop" and data.password == b"s3cret"
        return AuthResult(success=good, handled=False)


def certificate(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: (the server's context, a client context trusting it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    client = ssl.create_default_context(cafile=str(directory / "cert.pem"))
    return server, client


@pytest.fixture
def contexts(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    return certificate(tmp_path)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_starttls_then_auth(contexts: tuple[ssl.SSLContext, ssl.SSLContext], mechanism: str) -> None:
    server_context, client_context = contexts
    inbox, authenticator = Inbox(), Authenticator()
    port = free_port()
    excluded = [other for other in ("PLAIN", "LOGIN") if other != mechanism]
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_context, require_starttls=True,
                            authenticator=authenticator, auth_required=True, auth_exclude_mechanism=excluded)
    controller.start()
    try:
        async with sender_to(port, tls="starttls", username="shop", password="s3cret",
                             ssl_context=client_context) as sender:
            await sender.send(outgoing())
            await sender.send(outgoing(to="bob@example.com"))
        async with sender_to(port, tls="starttls", username="shop", password="wrong",
                             ssl_context=client_context) as sender:
            with pytest.raises(SmtpRefused, match="535"):
                await sender.send(outgoing(to="never@example.com"))
        async with sender_to(port, tls="none", username="shop", password="s3cret") as sender:
            with pytest.raises((SmtpError, OSError)):  # no AUTH offered before TLS
                await sender.send(outgoing(to="never@example.com"))
    finally:
        controller.stop()
    assert [message["To"] for message in inbox.messages] == ["ann@example.com", "bob@example.com"]
    assert set(authenticator.mechanisms) == {mechanism}
    assert len(set(inbox.peers)) == 1


async def test_implicit_tls(contexts: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_context, client_context = contexts
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_context)
    controller.start()
    try:
        async with sender_to(port, tls="ssl", ssl_context=client_context) as sender:
            await sender.send(outgoing())
        async with sender_to(port, tls="ssl") as sender:  # the system's trust store does not know this certificate
            with pytest.raises(ssl.SSLError):
                await sender.send(outgoing(to="never@example.com"))
    finally:
        controller.stop()
    assert [message["To"] for message in inbox.messages] == ["ann@example.com"]


async def test_a_line_break_in_an_address_never_reaches_the_server() -> None:
    script = Script()
    async with scripted(script) as port:
        connection = await SmtpConnection.open("127.0.0.1", port, tls="none", username=None, password=None,
                                               timeout=5, local_hostname="client.test")
        try:
            with pytest.raises(ValueError, match="line break"):
                await connection.send("no-reply@kohort.test", "ann@example.com>\r\nRCPT TO:<eve@example.com",
                                      b"Subject: x\r\n\r\nx\r\n")
        finally:
            await connection.close()
    assert "RCPT" not in script.received
    assert "MAIL" not in script.received  # refused before anything was written
