"""Which webhook URLs a merchant may register, and which addresses the sender may connect to.

Live mode: `https` only, and never an address inside our own network (loopback, private, link-local,
…): a merchant must not be able to make Kohort probe it. Test mode also accepts `http` to a loopback
address, so a developer can point test webhooks at a receiver on their machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from kohort.errors import KohortError

MAX_URL_LENGTH = 2048
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def _invalid(message: str) -> KohortError:
    return KohortError(message, code="INVALID_WEBHOOK_URL")


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_loopback_host(host: str) -> bool:
    address = _literal_address(host)
    return host.lower() in LOOPBACK_NAMES or host.lower().endswith(".localhost") or (
        address is not None and address.is_loopback
    )


def is_public_address(address: str) -> bool:
    """Whether the live sender may connect to `address` (an IP in text form)."""
    parsed = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return parsed.is_global and not parsed.is_multicast


def check_url(url: str, *, livemode: bool) -> str:
    """The URL as stored, or the refusal (400 INVALID_WEBHOOK_URL)."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise _invalid(f"url may be at most {MAX_URL_LENGTH} characters.")
    if any(character in url for character in "\r\n\t ") or not url.isprintable():
        raise _invalid("url must not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _invalid("url is not a valid URL.") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise _invalid("url must be an absolute https URL, e.g. https://shop.example/webhooks/kohort.")
    if parts.username is not None or parts.password is not None:
        raise _invalid("url must not carry credentials; check the webhook-signature header instead.")
    if port == 0:
        raise _invalid("url has an invalid port.")
    loopback = is_loopback_host(host)
    if livemode:
        if parts.scheme != "https":
            raise _invalid("Live webhook URLs must use https.")
        address = _literal_address(host)
        if loopback or (address is not None and not is_public_address(host)):
            raise _invalid("Live webhook URLs must point to a public address.")
    elif parts.scheme == "http" and not loopback:
        raise _invalid("Test webhook URLs must use https, or http to localhost / a loopback address.")
    return url
