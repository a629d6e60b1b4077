"""Turning an Authorization header into a principal.

Keys are `{sk|pk}_{test|live}_` + 192 random bits; only their SHA-256 is stored. The lookup is by hash
through a unique index and the final comparison is constant-time, so response times say nothing about
how close a guess was.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import timedelta

from kohort.db import Database
from kohort.errors import Unauthorized
from kohort.kit import clock
from kohort.kit.ids import hash_secret, secrets_match
from kohort.models import ApiKeyKind
from kohort.organization import repository
from kohort.tenant import Tenant

MAX_KEY_LENGTH = 200
_PREFIXES = {"sk_test_": (ApiKeyKind.SECRET, False), "sk_live_": (ApiKeyKind.SECRET, True),
             "pk_test_": (ApiKeyKind.PUBLISHABLE, False), "pk_live_": (ApiKeyKind.PUBLISHABLE, True)}


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: Tenant
    kind: ApiKeyKind
    key_id: str
    default_api_version: str

    @property
    def is_secret(self) -> bool:
        return self.kind == ApiKeyKind.SECRET


def key_from_header(authorization: str | None) -> str:
    """`Bearer <key>`, or HTTP Basic with the key as user name and an empty password."""
    if not authorization:
        raise Unauthorized("No API key provided. Send 'Authorization: Bearer sk_test_…'.")
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        key = credentials
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("Malformed Basic credentials.") from None
        key = decoded.partition(":")[0]  # user name = key; the password is ignored
    else:
        raise Unauthorized("Unsupported authorization scheme; use Bearer or Basic.")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unauthorized("Invalid API key provided.")
    return key


# Last-used times are coarse on purpose: one write per key a minute at most, not one per request.
LAST_USED_PRECISION = timedelta(minutes=1)


class KeyAuthenticator:
    """Resolves keys by the hash of their secret, on every request.

    There is deliberately no cache: a revoked or expired key must be refused by every server process
    on its very next request. The lookup is one indexed read on a connection outside any transaction
    (one round trip on PostgreSQL), which costs about what checking a cache's version stamp would."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def authenticate(self, key: str) -> Principal:
        expected = next((value for prefix, value in _PREFIXES.items() if key.startswith(prefix)), None)
        if expected is None:
            raise Unauthorized("Invalid API key provided.")
        key_hash = hash_secret(key)
        now = clock.now()
        async with self._database.autocommit() as connection:
            found = await repository.find_active_key(connection, key_hash, now=now)
            if found is not None and (found.last_used_at is None or found.last_used_at <= now - LAST_USED_PRECISION):
                await repository.touch_key(connection, found.id, now=now, stale_before=now - LAST_USED_PRECISION)
        if found is None or not secrets_match(key, found.key_hash) or (found.kind, found.livemode) != expected:
            raise Unauthorized("Invalid API key provided.")
        return Principal(
            tenant=Tenant(organization_id=found.organization_id, livemode=found.livemode),
            kind=found.kind,
            key_id=found.id,
            default_api_version=found.api_version,
        )
