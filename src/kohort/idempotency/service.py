"""Claiming, completing and releasing an idempotency key.

Each step is its own short transaction, apart from the request's: the claim must be visible to every
other server before the request runs (that is what makes a concurrent retry a 409 rather than a second
order), and it must not hold a lock while the request runs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from kohort.db import Database
from kohort.errors import Conflict, KohortError
from kohort.idempotency import repository
from kohort.kit import clock
from kohort.tenant import Tenant

MAX_KEY_LENGTH = 255
# How long the first answer is kept, as Stripe does.
RETENTION = timedelta(hours=24)
# How long a running claim is trusted: past it, its server is taken for dead and a retry runs again.
# Far longer than any request takes, so a slow request is never run twice.
LEASE = timedelta(seconds=60)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path (with its query) and body bytes."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode("utf-8", "surrogatepass"), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def check_key(key: str) -> str:
    # Control characters (NUL above all) could not be stored alike on both databases.
    if not key.strip() or len(key) > MAX_KEY_LENGTH or any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise KohortError(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.", code="INVALID_IDEMPOTENCY_KEY")
    return key


@dataclass(frozen=True)
class Claim:
    """This request runs; it completes or releases the key with `token` afterwards."""

    token: str


@dataclass(frozen=True)
class Replay:
    """An earlier request with this key and this fingerprint finished: its answer."""

    status: int
    headers: list[list[str]]
    body: bytes
    api_version: str


def _reused() -> KohortError:
    return KohortError("This Idempotency-Key was already used with a different request.",
                       code="IDEMPOTENCY_KEY_REUSED")


def _in_use() -> Conflict:
    return Conflict("A request with this Idempotency-Key is still running; retry later.",
                    code="IDEMPOTENCY_KEY_IN_USE")


async def claim(database: Database, tenant: Tenant, key: str, request_fingerprint: str) -> Claim | Replay:
    """Claim `key` for this request, or the stored answer to replay. Raises 400 `IDEMPOTENCY_KEY_REUSED`
    for another request under the same key, 409 `IDEMPOTENCY_KEY_IN_USE` while the first still runs."""
    now = clock.now()
    token = secrets.token_hex(16)
    claimed = {
        "fingerprint": request_fingerprint, "status": repository.RUNNING, "locked_until": now + LEASE,
        "locked_by": token, "response_status": None, "response_headers": None, "response_body": None, "api_version": None,
        "created_at": now, "expires_at": now + RETENTION,
    }
    async with database.transaction() as connection:
        if await repository.insert_claim(connection, {**tenant.stamp(), "key": key, **claimed}):
            return Claim(token)
        row = await repository.find(connection, tenant.organization_id, tenant.livemode, key)
        if row is None:  # purged between the two statements: the client retries into a free key
            raise _in_use()
        if row["expires_at"] <= now:  # a day old: the key is free again, whatever it held
            if await repository.take_over(connection, row, claimed):
                return Claim(token)
            raise _in_use()
        if row["fingerprint"] != request_fingerprint:
            raise _reused()
        if row["status"] == repository.DONE:
            return Replay(status=row["response_status"], headers=row["response_headers"], body=row["response_body"],
                          api_version=row["api_version"])
        # Past its lease, the first request's server died mid-way (its transaction rolled back): run this one.
        abandoned = row["locked_until"] is not None and row["locked_until"] <= now
        if abandoned and await repository.take_over(connection, row, {"locked_until": now + LEASE, "locked_by": token}):
            return Claim(token)
        raise _in_use()


def keeps(status: int) -> bool:
    """Whether an answer is stored for replay. A 400 is not: it is raised before the request's transaction
    commits (validation, a business rule), so nothing was written and the client may correct its request
    and send it again under the same key. Nor is a 5xx: the transaction rolled back and a retry may succeed."""
    return status < 400 or (status != 400 and status < 500)


async def complete(database: Database, tenant: Tenant, key: str, held: Claim, *, status: int,
                   headers: list[list[str]], body: bytes, api_version: str) -> None:
    async with database.transaction() as connection:
        await repository.complete(connection, tenant.organization_id, tenant.livemode, key, held.token,
                                  status=status, headers=headers, body=body, api_version=api_version)


async def release(database: Database, tenant: Tenant, key: str, held: Claim) -> None:
    async with database.transaction() as connection:
        await repository.release(connection, tenant.organization_id, tenant.livemode, key, held.token)

