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
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.config import Settings, encryption_key, get_settings
from kohort.email.sender import ConsoleSender, EmailSender, SmtpSender
from kohort.kit.crypto import Cipher
from kohort.worker import queue

JOB_KIND = "email.send"


@dataclass(frozen=True)
class Delivery:
    sender: EmailSender
    cipher: Cipher


_delivery: Delivery | None = None


def sender_from_settings(settings: Settings) -> EmailSender:
    if settings.email_backend == "smtp":
        return SmtpSender(host=settings.smtp_host, port=settings.smtp_port, tls=settings.smtp_tls,
                          username=settings.smtp_username, password=settings.smtp_password,
                          sender=settings.email_sender, timeout=settings.smtp_timeout_seconds)
    if settings.email_backend == "console":
        return ConsoleSender(settings.email_sender)
    raise ValueError("KOHORT_EMAIL_BACKEND must be smtp or console")


def configure(delivery: Delivery | None) -> Delivery | None:
    """Install how emails are sent and sealed (tests install their own); returns the previous one."""
    global _delivery
    previous, _delivery = _delivery, delivery
    return previous


def delivery() -> Delivery:
    """The installed delivery, or one built from the settings on first use."""
    global _delivery
    if _delivery is None:
        settings = get_settings()
        _delivery = Delivery(sender=sender_from_settings(settings), cipher=Cipher(encryption_key(settings)))
    return _delivery


def dedupe_key(kind: str, event_id: str, to: str) -> str:
    # The address itself never lands in clear in the jobs table: only a digest of it.
    recipient = hashlib.sha256(to.strip().lower().encode()).hexdigest()[:24]
    return f"email:{kind}:{event_id}:{recipient}"


@dataclass(frozen=True)
class QueuedEmail:
    kind: str
    event_id: str
    to: str | None
    locale: str
    context: dict[str, Any]


def _sealed(email: QueuedEmail, to: str) -> tuple[dict[str, Any], str]:
    key = dedupe_key(email.kind, email.event_id, to)
    sealed = delivery().cipher.encrypt(
        json.dumps({"to": to, "locale": email.locale, "context": email.context}, default=str), associated_data=key
    )
    return {"kind": email.kind, "dedupe": key, "sealed": sealed}, key


async def enqueue_many(connection: AsyncConnection, emails: list[QueuedEmail]) -> None:
    """Queue many emails in one statement (a settlement batch); same once-only rule as `enqueue`."""
    items = [_sealed(email, email.to) for email in emails if email.to]
    await queue.enqueue_many(connection, JOB_KIND, items)


async def enqueue(
    connection: AsyncConnection, *, kind: str, event_id: str, to: str | None, locale: str, context: dict[str, Any]
) -> bool:
    """Queue email `kind` about `event_id` for `to`. False when there is no address or it was queued
    already for this event and recipient."""
    if not to:
        return False
    payload, key = _sealed(QueuedEmail(kind=kind, event_id=event_id, to=to, locale=locale, context=context), to)
    job_id = await queue.enqueue(connection, JOB_KIND, payload, dedupe_key=key)
    return job_id is not None


def seal(text: str, *, context: str) -> str:
    """Encrypt `text` (personal data or a secret waiting in a job) with the at-rest key, bound to `context`."""
    return delivery().cipher.encrypt(text, associated_data=context)


def unseal_text(sealed: str, *, context: str) -> str:
    return delivery().cipher.decrypt(sealed, associated_data=context)


def unseal(payload: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(delivery().cipher.decrypt(payload["sealed"], associated_data=payload["dedupe"]))
    return data
