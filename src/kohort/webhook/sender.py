"""Sending one delivery: the HTTP request, outside any database transaction.

Live mode resolves the host first and refuses loopback, private, link-local and other non-public
addresses, then connects to the address it checked (not to a second resolution, which a hostile DNS
server could answer differently); TLS still verifies the certificate for the URL's host name.

The client speaks HTTP/1.1 itself over asyncio streams and keeps connections open per destination: a
delivery is one small POST, and a general-purpose client's machinery (connection-pool state machines,
per-request objects, anyio) cost several times the request itself at hundreds of deliveries a second.
Only what a delivery needs: no redirects (a 3xx is a failed delivery: following one could lead into our
own network), no proxies, no compression; the answer is read up to a cap."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from kohort.webhook.urls import is_public_address

TIMEOUT_SECONDS = 10.0
RESPONSE_EXCERPT_BYTES = 1024
# A longer answer is not read to its end: the connection is closed instead of kept.
DRAIN_BYTES = 64 * 1024
MAX_HEADERS = 100
# Idle connections kept per destination, and how long one may wait for reuse (servers drop idle clients).
IDLE_PER_DESTINATION = 32
IDLE_SECONDS = 15.0
USER_AGENT = "Kohort-Webhooks/1"


@dataclass(frozen=True)
class Attempt:
    succeeded: bool
    status_code: int | None
    duration_ms: int
    # At most RESPONSE_EXCERPT_BYTES of the answer, or what went wrong.
    response: str


class RefusedAddress(Exception):
    """The URL's host resolves to an address the live sender must not reach."""


class ProtocolError(Exception):
    """The receiver's answer is not HTTP/1.x as we read it."""


async def _public_address(host: str, port: int) -> str:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise RefusedAddress(f"{host} does not resolve")
    refused = [address for address in addresses if not is_public_address(address)]
    if refused:
        raise RefusedAddress(f"{host} resolves to a non-public address")
    return addresses[0]


@dataclass(frozen=True, slots=True)
class _Destination:
    scheme: str
    # What to connect to: the checked address in live mode, else the host name.
    address: str
    port: int
    # For TLS (certificate and SNI) and the Host header.
    host: str


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    excerpt: bytes
    # Whether the connection may carry another request.
    reusable: bool


class Client:
    """Keep-alive connections per destination, one request at a time on each."""

    def __init__(self) -> None:
        self._idle: dict[_Destination, list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    def _take(self, destination: _Destination) -> _Connection | None:
        idle = self._idle.get(destination)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if now - connection.idle_since <= IDLE_SECONDS and not connection.reader.at_eof():
                return connection
            connection.close()
        return None

    def _give_back(self, destination: _Destination, connection: _Connection) -> None:
        idle = self._idle.setdefault(destination, [])
        if len(idle) >= IDLE_PER_DESTINATION:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        idle.append(connection)

    async def _open(self, destination: _Destination) -> _Connection:
        if destination.scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
            reader, writer = await asyncio.open_connection(
                destination.address, destination.port, ssl=self._tls, server_hostname=destination.host
            )
        else:
            reader, writer = await asyncio.open_connection(destination.address, destination.port)
        return _Connection(reader, writer)

    async def post(self, destination: _Destination, request: bytes) -> _Response:
        """Send `request` and read the answer. A kept connection the receiver closed meanwhile (it
        answers nothing at all) is replaced by a new one, once."""
        connection = self._take(destination)
        if connection is not None:
            try:
                return await self._exchange(destination, connection, request)
            except (ConnectionError, asyncio.IncompleteReadError) as error:
                if isinstance(error, asyncio.IncompleteReadError) and error.partial:
                    raise
        return await self._exchange(destination, await self._open(destination), request)

    async def _exchange(self, destination: _Destination, connection: _Connection, request: bytes) -> _Response:
        finished = False
        try:
            connection.writer.write(request)
            await connection.writer.drain()
            response = await _read_response(connection.reader)
            finished = True
        finally:
            if not finished:  # failed or cancelled (timeout) midway: the connection's state is unknown
                connection.close()
        if response.reusable:
            self._give_back(destination, connection)
        else:
            connection.close()
        return response

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


async def _read_line(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError as error:
        raise ProtocolError("header line too long") from error


async def _read_response(reader: asyncio.StreamReader) -> _Response:
    while True:
        status_line = await _read_line(reader)
        version, _, rest = status_line.decode("latin-1").strip().partition(" ")
        code = rest.partition(" ")[0]
        if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise ProtocolError(f"not an HTTP/1.x answer: {status_line[:80]!r}")
        status = int(code)
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            line = await _read_line(reader)
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            raise ProtocolError("too many header lines")
        if not 100 <= status < 200:
            break  # an interim answer (100 Continue) is followed by the real one
    reusable = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
    if status in (204, 304):
        return _Response(status, b"", reusable)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        excerpt, complete = await _read_chunked(reader)
        return _Response(status, excerpt, reusable and complete)
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise ProtocolError("bad content-length")
        size = int(length)
        if size <= DRAIN_BYTES:
            return _Response(status, (await reader.readexactly(size))[:RESPONSE_EXCERPT_BYTES], reusable)
        return _Response(status, await reader.readexactly(RESPONSE_EXCERPT_BYTES), False)
    # No length: the body runs until the receiver closes; its start is enough.
    received = bytearray()
    while len(received) < RESPONSE_EXCERPT_BYTES:
        chunk = await reader.read(RESPONSE_EXCERPT_BYTES - len(received))
        if not chunk:
            break
        received += chunk
    return _Response(status, bytes(received), False)


async def _read_chunked(reader: asyncio.StreamReader) -> tuple[bytes, bool]:
    """The start of a chunked body, and whether it was read to its end (so the connection can be kept)."""
    received = bytearray()
    total = 0
    while True:
        size_text = (await _read_line(reader)).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError as error:
            raise ProtocolError("bad chunk size") from error
        if size == 0:
            while (await _read_line(reader)) not in (b"\r\n", b"\n"):  # trailers
                pass
            return bytes(received[:RESPONSE_EXCERPT_BYTES]), True
        total += size
        if total > DRAIN_BYTES:
            return bytes(received[:RESPONSE_EXCERPT_BYTES]), False
        chunk = await reader.readexactly(size)
        if len(received) < RESPONSE_EXCERPT_BYTES:
            received += chunk
        await reader.readexactly(2)  # CRLF after the chunk


def _request(destination: _Destination, target: str, *, body: bytes, headers: dict[str, str]) -> bytes:
    default_port = 443 if destination.scheme == "https" else 80
    host = f"[{destination.host}]" if ":" in destination.host else destination.host
    host_header = host if destination.port == default_port else f"{host}:{destination.port}"
    lines = [f"POST {target} HTTP/1.1", f"host: {host_header}", f"user-agent: {USER_AGENT}",
             f"content-length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def send(client: Client, url: str, *, body: bytes, headers: dict[str, str], livemode: bool) -> Attempt:
    """POST `body`; success is any 2xx within TIMEOUT_SECONDS. Never raises for the receiver's faults."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ProtocolError(f"not an http(s) URL: {url[:200]}")
            host = parts.hostname
            port = parts.port or (443 if parts.scheme == "https" else 80)
            address = (await _public_address(host, port)) if livemode else host
            destination = _Destination(parts.scheme, address, port, host)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            response = await client.post(destination, _request(destination, target, body=body, headers=headers))
    except RefusedAddress as error:
        return Attempt(succeeded=False, status_code=None, duration_ms=elapsed(), response=f"refused: {error}")
    except TimeoutError:
        return Attempt(succeeded=False, status_code=None, duration_ms=elapsed(),
                       response=f"timed out after {TIMEOUT_SECONDS:.0f} s")
    except (ProtocolError, asyncio.IncompleteReadError, OSError, ValueError, UnicodeError) as error:
        message = f"{type(error).__name__}: {error}"[:RESPONSE_EXCERPT_BYTES]
        return Attempt(succeeded=False, status_code=None, duration_ms=elapsed(), response=message)
    return Attempt(
        succeeded=200 <= response.status < 300, status_code=response.status, duration_ms=elapsed(),
        response=response.excerpt[:RESPONSE_EXCERPT_BYTES].decode("utf-8", errors="replace"),
    )


def new_client() -> Client:
    return Client()
