"""Delivering events to endpoints: claim (short transaction) → HTTP (no transaction) → record (short
transaction), a bounded number at once, so neither a slow receiver nor a slow network ever holds a
database lock, and one merchant's slow receiver only ever occupies its own slots.

A delivery succeeds on any 2xx within 10 s. Otherwise it is tried again on the schedule below, with
±10 % jitter so that retries of a burst do not arrive in step: about three days in all, then failed.
At least once: a sender that dies between the HTTP request and the record leaves the delivery to be
claimed again once its lease expires, so receivers deduplicate on the event id (`webhook-id`)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson

from kohort.db import Database
from kohort.events.domain import Event
from kohort.events.schemas import to_wire_event
from kohort.http.versions import LEGACY_VERSION, legacy_body
from kohort.kit import clock
from kohort.kit.crypto import Cipher
from kohort.webhook import sender, service, signing
from kohort.webhook.domain import Delivery, DeliveryStatus, Outcome, WebhookEndpoint

log = logging.getLogger("kohort.webhook")

RETRY_SCHEDULE = (
    timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=5),
    *(timedelta(hours=10),) * 7,
)
# Longer than a send can take (its 10 s timeout) with a wide margin, so a lease never expires mid-send.
LEASE = timedelta(seconds=60)
CONCURRENCY = 32
# How long the recorder waits for the other sends in flight before it writes what finished: the outcomes of
# a batch (sent together, answered within milliseconds of each other) then go in one transaction, not a few.
RECORD_GATHER_SECONDS = 0.05


def retry_delay(attempts: int) -> timedelta | None:
    """The wait after the `attempts`-th failed attempt, or None when the schedule is exhausted."""
    if attempts > len(RETRY_SCHEDULE):
        return None
    return RETRY_SCHEDULE[attempts - 1] * (0.9 + random.random() / 5)


def payload(event: Event) -> bytes:
    """The event as `GET /events/{id}` shows it, in the API version the organization had at the event."""
    body: dict[str, Any] = to_wire_event(event).model_dump(mode="json", by_alias=True)
    return orjson.dumps(legacy_body(body) if event.api_version == LEGACY_VERSION else body)


def outcome(delivery: Delivery, attempt: sender.Attempt, *, now: datetime) -> dict[str, Any]:
    attempts = delivery.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts, "last_attempt_at": now, "last_status_code": attempt.status_code,
        "last_duration_ms": attempt.duration_ms, "last_response": attempt.response, "updated_at": now,
    }
    if attempt.succeeded:
        return {**values, "status": DeliveryStatus.SUCCEEDED.value, "next_attempt_at": None}
    delay = retry_delay(attempts)
    if delay is None:
        return {**values, "status": DeliveryStatus.FAILED.value, "next_attempt_at": None}
    return {**values, "status": DeliveryStatus.PENDING.value, "next_attempt_at": now + delay}


class DeliveryPump:
    """Keeps up to `concurrency` deliveries in flight in this process; `pump` claims as many as there
    are free slots and returns at once (the sends go on in the background). Their outcomes are recorded
    together: whatever finished while the last batch was being written goes in the next one, a few
    statements per batch rather than a transaction per delivery."""

    def __init__(self, database: Database, cipher: Cipher, *, concurrency: int = CONCURRENCY) -> None:
        self.database = database
        self.cipher = cipher
        self.concurrency = concurrency
        self.client = sender.new_client()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._outcomes: list[Outcome] = []
        self._recording: asyncio.Task[None] | None = None
        # Decrypted signing secrets by endpoint id, valid while the endpoint's ciphertexts are unchanged.
        self._secrets: dict[str, tuple[tuple[str, str | None, datetime | None], list[str]]] = {}

    @property
    def free_slots(self) -> int:
        return max(0, self.concurrency - len(self._in_flight))

    async def pump(self, *, limit: int) -> int:
        """Claim up to `limit` due deliveries (as many as there are free slots) and start sending them."""
        free = min(limit, self.free_slots)
        if free <= 0:
            return 0
        now = clock.now()
        lease = now + LEASE
        async with self.database.transaction() as connection:
            claimed = await service.claim_due(connection, now=now, lease_until=lease, limit=free)
        self.start([service.Leased(delivery, event, endpoint, lease) for delivery, event, endpoint in claimed])
        return len(claimed)

    def start(self, leased: Sequence[service.Leased]) -> None:
        """Send these deliveries, claimed by this process (by `pump`, or inserted claimed by the fan-out,
        after its transaction committed). One whose lease has less than half its length left (a claim that
        took long to commit) is left to whoever claims it once the lease ends: a send must never outlast
        its lease, or another sender would send it too."""
        bodies: dict[str, bytes] = {}
        now = clock.now()
        for item in leased:
            if item.lease - now < LEASE / 2:
                log.warning("webhook.lease_unsure", extra={"delivery_id": item.delivery.id})
                continue
            body = bodies.get(item.event.id)
            if body is None:
                try:
                    body = bodies[item.event.id] = payload(item.event)
                except Exception:  # a bug here must not hold back the others; the lease expires, it is retried
                    log.exception("webhook.delivery_crashed", extra={"delivery_id": item.delivery.id})
                    continue
            task = asyncio.create_task(self._deliver(item.delivery, item.event, item.endpoint, item.lease, body))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def wait_idle(self) -> None:
        """Until every send has ended and its outcome is recorded."""
        while self._in_flight or self._is_recording():
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)
            if self._recording is not None:
                await asyncio.gather(self._recording, return_exceptions=True)
                if self._recording is not None and self._recording.done():
                    self._recording = None

    async def drain(self, *, limit: int = 100) -> None:
        """Until nothing is due: claim, send, wait (tests and `kohort worker --drain`)."""
        while True:
            started = await self.pump(limit=limit)
            await self.wait_idle()
            if not started:
                return

    async def aclose(self) -> None:
        await self.wait_idle()
        await self.client.aclose()

    def _signing_secrets(self, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
        version = (endpoint.secret_encrypted, endpoint.previous_secret_encrypted, endpoint.previous_secret_expires_at)
        cached = self._secrets.get(endpoint.id)
        if cached is None or cached[0] != version or (
            endpoint.previous_secret_expires_at is not None and endpoint.previous_secret_expires_at <= now
        ):
            cached = self._secrets[endpoint.id] = (version, service.signing_secrets(self.cipher, endpoint, now=now))
        return cached[1]

    async def _deliver(
        self, delivery: Delivery, event: Event, endpoint: WebhookEndpoint, lease: datetime, body: bytes
    ) -> None:
        try:
            if endpoint.disabled:
                attempt = sender.Attempt(succeeded=False, status_code=None, duration_ms=0,
                                         response="endpoint disabled")
            else:
                now = clock.now()
                headers = signing.headers(
                    self._signing_secrets(endpoint, now), message_id=event.id, timestamp=int(now.timestamp()),
                    body=body,
                )
                attempt = await sender.send(self.client, endpoint.url, body=body, headers=headers,
                                            livemode=endpoint.livemode)
            self._outcomes.append(Outcome(delivery, lease, outcome(delivery, attempt, now=clock.now()),
                                          real=not endpoint.disabled))
            if not self._is_recording():
                self._recording = asyncio.create_task(self._record())
        except Exception:  # a bug here must not kill the pump; the lease expires and it is retried
            log.exception("webhook.delivery_crashed", extra={"delivery_id": delivery.id})

    def _is_recording(self) -> bool:
        return self._recording is not None and not self._recording.done()

    async def _record(self) -> None:
        """Write the finished attempts, batch after batch, until none is waiting."""
        try:
            while self._outcomes:
                if self._in_flight:
                    await asyncio.wait(list(self._in_flight), timeout=RECORD_GATHER_SECONDS)
                batch, self._outcomes = self._outcomes, []
                try:
                    async with self.database.transaction() as connection:
                        lost = await service.record_attempts(connection, batch)
                except Exception:  # their leases expire and they are sent again
                    log.exception("webhook.record_failed", extra={"deliveries": len(batch)})
                    continue
                for delivery_id in lost:
                    log.warning("webhook.lease_lost", extra={"delivery_id": delivery_id})
        finally:
            self._recording = None
