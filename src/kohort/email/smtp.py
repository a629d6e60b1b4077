"""An SMTP client on asyncio streams (RFC 5321), for the sender: one connection, one conversation at a
time, kept open between messages.

It says only what sending needs: EHLO (HELO when refused), STARTTLS, AUTH (PLAIN, LOGIN or CRAM-MD5,
as the server offers), MAIL/RCPT/DATA, RSET and QUIT, with SMTPUTF8 for addresses that are not ASCII.
When the server advertises PIPELINING (RFC 2920), MAIL FROM, RCPT TO and DATA go out together: a message
then costs two round trips instead of four. Every reply is awaited for at most `timeout` seconds.

Errors are `SmtpError` (`SmtpRefused` when the server answered with a failure code) or `OSError`
(the connection); either way the connection must be dropped, never reused: its state is unknown.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import ssl

# Dot-stuffing (RFC 5321 4.5.2): a line starting with a dot gets another.
_LEADING_DOT = re.compile(rb"(?m)^\.")
# Bare CR or LF, made CRLF as smtplib does.
_LINE_END = re.compile(rb"\r\n|\r|\n")
_MAX_REPLY_LINES = 1000


class SmtpError(Exception):
    """The conversation failed in a way that is not the network's: a malformed reply, a missing
    capability (e.g. STARTTLS, SMTPUTF8 or AUTH the settings need)."""


class SmtpRefused(SmtpError):
    """The server answered `command` with a failure code (4xx: try later, 5xx: refused)."""

    def __init__(self, command: str, code: int, message: str) -> None:
        super().__init__(f"{code} {message} (after {command})")
        self.command, self.code, self.message = command, code, message


class SmtpConnection:
    """One open SMTP connection. `open` connects, greets, secures and logs in; `send` delivers one
    message; `close` says QUIT if it can and closes the socket."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, timeout: float) -> None:
        self._reader, self._writer = reader, writer
        self.timeout = timeout
        self.features: dict[str, str] = {}
        self.esmtp = False

    @classmethod
    async def open(cls, host: str, port: int, *, tls: str, username: str | None, password: str | None,
                   timeout: float, local_hostname: str, context: ssl.SSLContext | None = None) -> SmtpConnection:
        context = context or ssl.create_default_context()
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=context if tls == "ssl" else None, server_hostname=host if tls == "ssl" else None,
            )
        connection = cls(reader, writer, timeout=timeout)
        try:
            await connection._expect("greeting", 220)
            await connection._hello(local_hostname)
            if tls == "starttls":
                if "starttls" not in connection.features:
                    raise SmtpError("the server does not offer STARTTLS")
                await connection.command("STARTTLS", 220)
                async with asyncio.timeout(timeout):
                    await writer.start_tls(context, server_hostname=host)
                await connection._hello(local_hostname)  # RFC 3207: what was said before TLS is forgotten
            if username:
                await connection._login(username, password or "")
        except BaseException:
            connection.abort()
            raise
        return connection

    async def _hello(self, local_hostname: str) -> None:
        code, message = await self._ask(f"EHLO {local_hostname}")
        if code == 250:
            self.esmtp = True
            self.features = {}
            for line in message.split("\n")[1:]:
                keyword, _, parameters = line.strip().partition(" ")
                self.features[keyword.lower()] = parameters
            return
        self.esmtp, self.features = False, {}
        await self.command(f"HELO {local_hostname}", 250)

    async def _login(self, username: str, password: str) -> None:
        offered = self.features.get("auth", "").upper().split()
        if not offered:
            raise SmtpError("the server does not offer AUTH")
        if "PLAIN" in offered:
            secret = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
            await self.command(f"AUTH PLAIN {secret}", 235, shown="AUTH PLAIN")
        elif "LOGIN" in offered:
            await self.command("AUTH LOGIN", 334)
            await self.command(base64.b64encode(username.encode()).decode("ascii"), 334, shown="AUTH LOGIN username")
            await self.command(base64.b64encode(password.encode()).decode("ascii"), 235, shown="AUTH LOGIN password")
        elif "CRAM-MD5" in offered:
            challenge = base64.b64decode(await self.command("AUTH CRAM-MD5", 334))
            digest = hmac.new(password.encode(), challenge, hashlib.md5).hexdigest()
            await self.command(base64.b64encode(f"{username} {digest}".encode()).decode("ascii"), 235,
                               shown="AUTH CRAM-MD5 response")
        else:
            raise SmtpError(f"no AUTH mechanism in common with the server ({' '.join(offered)})")

    async def send(self, sender: str, recipient: str, message: bytes, *, smtputf8: bool = False) -> None:
        """Deliver `message` (headers and body, any line ends) from `sender` to `recipient`."""
        options = ""
        if smtputf8:
            if "smtputf8" not in self.features:
                raise SmtpError("the recipient's address needs SMTPUTF8, which the server does not offer")
            options = " SMTPUTF8 BODY=8BITMIME" if "8bitmime" in self.features else " SMTPUTF8"
        elif "8bitmime" in self.features and not message.isascii():
            options = " BODY=8BITMIME"
        envelope = [f"MAIL FROM:<{sender}>{options}", f"RCPT TO:<{recipient}>", "DATA"]
        written = b"".join(_line(line) for line in envelope)  # checked before anything is said
        if "pipelining" in self.features:
            self._writer.write(written)
            # Every reply is read before judging any: the server answers each of the three.
            replies = [await self._reply() for _ in envelope]
            for line, (code, text), wanted in zip(envelope, replies, ((250,), (250, 251), (354,)), strict=True):
                if code not in wanted:
                    raise SmtpRefused(line.partition(":")[0], code, text)
        else:
            await self.command(envelope[0], 250, shown="MAIL FROM")
            await self.command(envelope[1], 250, 251, shown="RCPT TO")
            await self.command("DATA", 354)
        body = _LEADING_DOT.sub(b"..", _LINE_END.sub(b"\r\n", message))
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self._writer.write(body + b".\r\n")
        await self._expect("end of data", 250)

    async def command(self, line: str, *wanted: int, shown: str | None = None) -> str:
        """Send `line`, read the reply; raise `SmtpRefused` unless its code is one of `wanted`. Returns
        the reply's text. `shown` names the command in errors when `line` carries a secret."""
        code, message = await self._ask(line)
        if code not in wanted:
            raise SmtpRefused(shown or line.partition(" ")[0], code, message)
        return message

    async def _ask(self, line: str) -> tuple[int, str]:
        self._writer.write(_line(line))
        return await self._reply()

    async def _expect(self, what: str, wanted: int) -> None:
        code, message = await self._reply()
        if code != wanted:
            raise SmtpRefused(what, code, message)

    async def _reply(self) -> tuple[int, str]:
        """One (possibly multi-line) reply: its code and its lines joined by line breaks."""
        lines = []
        async with asyncio.timeout(self.timeout):
            await self._writer.drain()
            for _ in range(_MAX_REPLY_LINES):
                raw = await self._reader.readline()
                if not raw.endswith(b"\n"):
                    raise ConnectionResetError("the SMTP server closed the connection")
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                if len(line) < 3 or not line[:3].isdigit() or line[3:4] not in ("", " ", "-"):
                    raise SmtpError(f"malformed SMTP reply: {line[:100]!r}")
                lines.append(line[4:])
                if line[3:4] != "-":
                    return int(line[:3]), "\n".join(lines)
        raise SmtpError("SMTP reply too long")

    @property
    def usable(self) -> bool:
        """False once the server closed the connection (e.g. an idle client timed out) or sent something
        unasked: a conversation on it would fail, so it is not begun."""
        return not self._writer.transport.is_closing() and not self._reader.at_eof() and not self._reader._buffer  # type: ignore[attr-defined]

    def abort(self) -> None:
        """Close the socket now, without a goodbye."""
        self._writer.transport.abort()

    async def close(self) -> None:
        """QUIT if the server still listens (briefly), and close the socket in any case."""
        try:
            async with asyncio.timeout(min(self.timeout, 2.0)):
                await self._ask("QUIT")
        except (SmtpError, OSError, TimeoutError):
            pass
        finally:
            self.abort()


def _line(command: str) -> bytes:
    """A command on the wire; a line break inside it (from an address) would smuggle in another."""
    if "\r" in command or "\n" in command:
        raise ValueError("an SMTP command cannot contain a line break")
    return command.encode("utf-8") + b"\r\n"
