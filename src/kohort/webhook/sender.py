"""Sending one delivery: the HTTP request, outside any database transaction.

Live mode resolves the host first and refuses loopback, private, link-local and other non-public
addresses, then connects to the address it checked (not to a second resolution, which a hostile DNS
server could answer differently); TLS still verifies the certificate for the URL's host name."""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from kohort.webhook.urls import is_public_address

TIMEOUT_SECONDS = 10.0
RESPONSE_EXCERPT_BYTES = 1024


@dataclass(frozen=True)
class Attempt:
    succeeded: bool
    status_code: int | None
    duration_ms: int
    # At most RESPONSE_EXCERPT_BYTES of the answer, or what went wrong.
    response: str


class RefusedAddress(Exception):
    """The URL's host resolves to an address the live sender must not reach."""


async def _public_address(host: str, port: int) -> str:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise RefusedAddress(f"{host} does not resolve")
    refused = [address for address in addresses if not is_public_address(address)]
    if refused:
        raise RefusedAddress(f"{host} resolves to a non-public address")
    return addresses[0]


async def _pinned(url: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL with its host replaced by the checked address, the Host header, and the TLS name."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = await _public_address(host, port)
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return pinned, {"host": host_header}, {"sni_hostname": host} if parts.scheme == "https" else {}


async def _read_excerpt(response: httpx.Response) -> str:
    received = bytearray()
    async for chunk in response.aiter_raw():
        received += chunk
        if len(received) >= RESPONSE_EXCERPT_BYTES:
            break
    return bytes(received[:RESPONSE_EXCERPT_BYTES]).decode("utf-8", errors="replace")


async def send(
    client: httpx.AsyncClient, url: str, *, body: bytes, headers: dict[str, str], livemode: bool
) -> Attempt:
    """POST `body`; success is any 2xx within TIMEOUT_SECONDS. Never raises for the receiver's faults."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            target, extra_headers, extensions = (await _pinned(url)) if livemode else (url, {}, {})
            request = client.build_request(
                "POST", target, content=body, headers={**headers, **extra_headers}, extensions=extensions
            )
            response = await client.send(request, stream=True)
            try:
                excerpt = await _read_excerpt(response)
            finally:
                await response.aclose()
    except RefusedAddress as error:
        return Attempt(succeeded=False, status_code=None, duration_ms=elapsed(), response=f"refused: {error}")
    except TimeoutError:
        return Attempt(succeeded=False, status_code=None, duration_ms=elapsed(),
                       response=f"timed out after {TIMEOUT_SECONDS:.0f} s")
    except (httpx.HTTPError, OSError) as error:
        message = f"{type(error).__name__}: {error}"[:RESPONSE_EXCERPT_BYTES]
        return Attempt(succeeded=False, status_code=None, duration_ms=elapsed(), response=message)
    return Attempt(
        succeeded=200 <= response.status_code < 300, status_code=response.status_code, duration_ms=elapsed(),
        response=excerpt,
    )


def new_client() -> httpx.AsyncClient:
    # No redirects: a 3xx is a failed delivery (following one could lead into our own network).
    return httpx.AsyncClient(
        timeout=httpx.Timeout(TIMEOUT_SECONDS), follow_redirects=False, trust_env=False,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )
