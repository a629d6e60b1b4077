"""Queueing emails: each is a job inserted in the transaction of the event that causes it, sent after
commit by the runner, retried with backoff on SMTP failure, and deduplicated by (kind, event,
recipient) so the same email can never be queued twice.

The payload (recipient address, names, the withdrawal link with its token) is personal or secret, so it
is stored encrypted (AES-GCM, `KOHORT_ENCRYPTION_KEY`), bound to its dedupe key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.kit.crypto import Cipher, Rotation
from kohort.worker import queue
from kohort.worker import repository as jobs_repository
from kohort.worker.domain import Backoff

JOB_KIND = "email.send"
# A mail server down for an hour (or a night) must not dead-letter anything: 10 s, 20 s, 40 s … then
# every 2 h, 25 attempts spanning about 31 h before an email is given up (`kohort jobs retry` revives it).
RETRY = Backoff(first=timedelta(seconds=10), cap=timedelta(hours=2))
MAX_ATTEMPTS = 25


def deliverable(to: str | None) -> bool:
    """Whether an address can receive mail: `.invalid` is reserved (RFC 2606) and is what an erased
    customer's pseudonym ends with, so nothing is queued for it to fail 25 times."""
    return bool(to) and not str(to).strip().lower().endswith(".invalid")


def recipient_digest(to: str) -> str:
    """What the jobs table holds of a recipient's address: a digest, never the address."""
    return hashlib.sha256(to.strip().lower().encode()).hexdigest()[:24]


def dedupe_key(kind: str, event_id: str, to: str) -> str:
    return f"email:{kind}:{event_id}:{recipient_digest(to)}"


def subject_of_dedupe_key(key: str) -> tuple[str, str] | None:
    """(what the email is about: an event, order, group or payout id; the recipient's digest), read back
    from an email job's dedupe key."""
    parts = key.split(":")
    return (parts[2], parts[-1]) if len(parts) >= 4 and parts[0] == "email" else None


@dataclass(frozen=True)
class QueuedEmail:
    kind: str
    event_id: str
    to: str | None
    locale: str
    context: dict[str, Any]


@dataclass(frozen=True)
class Outbox:
    """Queues emails sealed with the process's at-rest cipher (the runtime builds it); `public_url` is where
    the links they carry point."""

    cipher: Cipher
    public_url: str

    def _sealed(self, email: QueuedEmail, to: str) -> tuple[dict[str, Any], str]:
        key = dedupe_key(email.kind, email.event_id, to)
        sealed = self.cipher.encrypt(
            json.dumps({"to": to, "locale": email.locale, "context": email.context}, default=str), associated_data=key
        )
        return {"kind": email.kind, "dedupe": key, "sealed": sealed}, key

    async def enqueue_many(self, connection: AsyncConnection, emails: list[QueuedEmail]) -> None:
        """Queue many emails in one statement (a settlement batch); same once-only rule as `enqueue`."""
        items = [self._sealed(email, email.to) for email in emails if email.to and deliverable(email.to)]
        await queue.enqueue_many(connection, JOB_KIND, items, max_attempts=MAX_ATTEMPTS)

    async def enqueue(
        self, connection: AsyncConnection, *, kind: str, event_id: str, to: str | None, locale: str,
        context: dict[str, Any],
    ) -> bool:
        """Queue email `kind` about `event_id` for `to`. False when there is no address or it was queued
        already for this event and recipient."""
        if not to or not deliverable(to):
            return False
        email = QueuedEmail(kind=kind, event_id=event_id, to=to, locale=locale, context=context)
        payload, key = self._sealed(email, to)
        job_id = await queue.enqueue(connection, JOB_KIND, payload, dedupe_key=key, max_attempts=MAX_ATTEMPTS)
        return job_id is not None

    def reseal(self, payload: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """`payload` holding `data` instead (an erasure's pseudonym in place of personal data)."""
        sealed = self.cipher.encrypt(json.dumps(data, default=str), associated_data=payload["dedupe"])
        return {**payload, "sealed": sealed}

    def unseal(self, payload: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.cipher.decrypt(payload["sealed"], associated_data=payload["dedupe"]))
        return data


# Queued emails re-encrypted per transaction by a key rotation.
ROTATION_PAGE = 500


async def count_queued(connection: AsyncConnection) -> int:
    return await jobs_repository.count_of_kind(connection, JOB_KIND)


async def reencrypt_queued(connection: AsyncConnection, rotation: Rotation, after_id: str) -> tuple[int, str | None]:
    """One page of a key rotation over the emails' sealed payloads (sent ones too, until purged)."""
    page = await jobs_repository.payloads_after(connection, JOB_KIND, after_id, limit=ROTATION_PAGE)
    for job_id, payload in page:
        if "sealed" not in payload:
            continue
        resealed = rotation.reseal(payload["sealed"], associated_data=payload["dedupe"])
        if resealed is not None:
            await jobs_repository.replace_payload(connection, job_id, {**payload, "sealed": resealed})
    return len(page), (page[-1][0] if len(page) == ROTATION_PAGE else None)
