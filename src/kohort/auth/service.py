"""Turning an Authorization header into a principal.

Keys are `{sk|pk}_{test|live}_` + 192 random bits; only their SHA-256 is stored. The lookup is by hash
through a unique index and the final comparison is constant-time, so response times say nothing about
how close a guess was.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from kohort.errors import Unauthorized
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


class KeyAuthenticator:
    """Resolves keys, caching hits per process so the hot path skips one query per request."""

    def __init__(self, engine: AsyncEngine, *, cache_seconds: float) -> None:
        self._engine = engine
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}

    async def authenticate(self, key: str) -> Principal:
        expected = next((value for prefix, value in _PREFIXES.items() if key.startswith(prefix)), None)
        if expected is None:
            raise Unauthorized("Invalid API key provided.")
        key_hash = hash_secret(key)
        cached = self._cache.get(key_hash)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        async with self._engine.connect() as connection:
            found = await repository.find_active_key(connection, key_hash)
        if found is None or not secrets_match(key, found.key_hash) or (found.kind, found.livemode) != expected:
            raise Unauthorized("Invalid API key provided.")
        principal = Principal(
            tenant=Tenant(organization_id=found.organization_id, livemode=found.livemode),
            kind=found.kind,
            key_id=found.id,
            default_api_version=found.api_version,
        )
        if self._cache_seconds > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key_hash] = (time.monotonic() + self._cache_seconds, principal)
        return principal
