"""Webhook endpoints (per organization and mode), the fan-out of events into deliveries, and replays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.errors import KohortError, NotFound
from kohort.events import service as events_service
from kohort.events.domain import Event, WebhookEndpointDisabled
from kohort.kit import clock
from kohort.kit.crypto import Cipher, Rotation
from kohort.kit.ids import new_id
from kohort.kit.listing import ListParams
from kohort.tenant import Tenant
from kohort.webhook import repository, signing
from kohort.webhook.domain import Attempt, Delivery, DeliveryStatus, Outcome, WebhookEndpoint
from kohort.webhook.schemas import WebhookEndpointCreate, WebhookEndpointUpdate, to_wire_endpoint
from kohort.webhook.urls import check_url

# After a rotation the old secret keeps signing this long, so receivers can switch without losing events.
ROTATION_OVERLAP = timedelta(hours=24)
# An endpoint whose every attempt fails for this long is disabled, and the merchant told.
DISABLE_AFTER = timedelta(days=5)
MAX_ENDPOINTS = 16


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str


def _secret_context(endpoint_id: str) -> str:
    # Binds each ciphertext to its endpoint: copied onto another row it would not decrypt.
    return f"webhook_endpoint:{endpoint_id}"


def signing_secrets(cipher: Cipher, endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one for a day after a rotation."""
    context = _secret_context(endpoint.id)
    found = [cipher.decrypt(endpoint.secret_encrypted, associated_data=context)]
    if (
        endpoint.previous_secret_encrypted
        and endpoint.previous_secret_expires_at is not None
        and endpoint.previous_secret_expires_at > now
    ):
        found.append(cipher.decrypt(endpoint.previous_secret_encrypted, associated_data=context))
    return found


async def create_endpoint(
    connection: AsyncConnection, tenant: Tenant, cipher: Cipher, data: WebhookEndpointCreate
) -> EndpointWithSecret:
    url = check_url(data.url, livemode=tenant.livemode)
    if await repository.count_endpoints(connection, tenant) >= MAX_ENDPOINTS:
        raise KohortError(f"An organization may have at most {MAX_ENDPOINTS} webhook endpoints per mode.",
                          code="TOO_MANY_WEBHOOK_ENDPOINTS")
    endpoint_id = new_id("we")
    secret = signing.new_signing_secret()
    now = clock.now()
    endpoint = await repository.insert_endpoint(connection, {
        "id": endpoint_id, **tenant.stamp(), "url": url, "description": data.description,
        "enabled_events": list(data.enabled_events), "disabled": data.disabled,
        "secret_encrypted": cipher.encrypt(secret, associated_data=_secret_context(endpoint_id)),
        "previous_secret_encrypted": None, "previous_secret_expires_at": None, "created_at": now, "updated_at": now,
    })
    return EndpointWithSecret(endpoint=endpoint, secret=secret)


async def get_endpoint(connection: AsyncConnection, tenant: Tenant, endpoint_id: str) -> WebhookEndpoint:
    endpoint = await repository.get_endpoint(connection, tenant, endpoint_id)
    if endpoint is None:
        raise NotFound(f"Webhook endpoint {endpoint_id} not found.")
    return endpoint


async def list_endpoints(
    connection: AsyncConnection, tenant: Tenant, params: ListParams
) -> tuple[list[WebhookEndpoint], int]:
    return await repository.list_endpoints(connection, tenant, params)


async def update_endpoint(
    connection: AsyncConnection, tenant: Tenant, endpoint_id: str, changes: WebhookEndpointUpdate
) -> WebhookEndpoint:
    await get_endpoint(connection, tenant, endpoint_id)
    given = changes.model_dump(exclude_unset=True)
    values: dict[str, Any] = {}
    if given.get("url") is not None:
        values["url"] = check_url(given["url"], livemode=tenant.livemode)
    if given.get("enabled_events") is not None:
        values["enabled_events"] = list(given["enabled_events"])
    if "description" in given:
        values["description"] = given["description"]
    if given.get("disabled") is not None:
        values["disabled"] = bool(given["disabled"])
        if not values["disabled"]:
            values["failing_since"] = None  # enabled again: its failures start over
    updated = await repository.update_endpoint(connection, tenant, endpoint_id, {**values, "updated_at": clock.now()})
    if updated is None:
        raise NotFound(f"Webhook endpoint {endpoint_id} not found.")
    return updated


async def delete_endpoint(connection: AsyncConnection, tenant: Tenant, endpoint_id: str) -> WebhookEndpoint:
    endpoint = await get_endpoint(connection, tenant, endpoint_id)
    await repository.delete_endpoint(connection, tenant, endpoint_id)
    return endpoint


async def rotate_secret(
    connection: AsyncConnection, tenant: Tenant, cipher: Cipher, endpoint_id: str
) -> EndpointWithSecret:
    """A new secret signs from now on; the current one keeps signing too for `ROTATION_OVERLAP`."""
    endpoint = await get_endpoint(connection, tenant, endpoint_id)
    secret = signing.new_signing_secret()
    now = clock.now()
    updated = await repository.update_endpoint(connection, tenant, endpoint_id, {
        "secret_encrypted": cipher.encrypt(secret, associated_data=_secret_context(endpoint_id)),
        "previous_secret_encrypted": endpoint.secret_encrypted,
        "previous_secret_expires_at": now + ROTATION_OVERLAP,
        "updated_at": now,
    })
    if updated is None:
        raise NotFound(f"Webhook endpoint {endpoint_id} not found.")
    return EndpointWithSecret(endpoint=updated, secret=secret)


def _delivery_row(tenant: Tenant, *, endpoint_id: str, event_id: str, now: datetime,
                  locked_until: datetime | None = None) -> dict[str, Any]:
    return {
        "id": new_id("whd"), **tenant.stamp(), "endpoint_id": endpoint_id, "event_id": event_id,
        "status": DeliveryStatus.PENDING.value, "attempts": 0, "next_attempt_at": now, "locked_until": locked_until,
        "last_attempt_at": None, "last_status_code": None, "last_duration_ms": None, "last_response": None,
        "created_at": now, "updated_at": now,
    }


@dataclass(frozen=True)
class Leased:
    """A delivery inserted already claimed by its sender (`lease`), with what sending it needs."""

    delivery: Delivery
    event: Event
    endpoint: WebhookEndpoint
    lease: datetime


async def fan_out(
    connection: AsyncConnection, claimed: Sequence[Event], *, lease_until: datetime, leased: int
) -> list[Leased]:
    """One pending delivery per interested endpoint for each of these events (claimed by the caller's
    transaction), inserted in one statement. The first `leased` are inserted claimed until `lease_until`,
    for this process to send once the transaction commits (no second claim); the others wait for any
    sender's claim. Returns the leased ones."""
    if not claimed:
        return []
    endpoints = await repository.enabled_endpoints(connection, [event.tenant for event in claimed])
    if not endpoints:
        return []
    by_tenant: dict[Tenant, list[WebhookEndpoint]] = {}
    for endpoint in endpoints:
        by_tenant.setdefault(endpoint.tenant, []).append(endpoint)
    now = clock.now()
    rows: list[dict[str, Any]] = []
    handed: list[Leased] = []
    for event in claimed:
        for endpoint in by_tenant.get(event.tenant, []):
            if not endpoint.wants(event.type):
                continue
            lease = lease_until if len(handed) < leased else None
            row = _delivery_row(event.tenant, endpoint_id=endpoint.id, event_id=event.id, now=now, locked_until=lease)
            rows.append(row)
            if lease is not None:
                handed.append(Leased(Delivery.from_row(tuple(row.values())), event, endpoint, lease))
    await repository.insert_deliveries(connection, rows)
    return handed


async def resend_event(
    connection: AsyncConnection, tenant: Tenant, event_id: str, *, endpoint_id: str | None
) -> list[Delivery]:
    """A new delivery of the event to one endpoint (even one whose filter excludes it, as asked), or to
    every enabled endpoint whose filter includes it."""
    event = await events_service.get_event(connection, tenant, event_id)
    if endpoint_id is not None:
        endpoint = await get_endpoint(connection, tenant, endpoint_id)
        if endpoint.disabled:
            raise KohortError(f"Webhook endpoint {endpoint_id} is disabled.", code="WEBHOOK_ENDPOINT_DISABLED")
        targets = [endpoint]
    else:
        targets = [endpoint for endpoint in await repository.enabled_endpoints(connection, [tenant])
                   if endpoint.wants(event.type)]
    now = clock.now()
    rows = [_delivery_row(tenant, endpoint_id=endpoint.id, event_id=event.id, now=now) for endpoint in targets]
    await repository.insert_deliveries(connection, rows)
    return [Delivery.from_row(tuple(row.values())) for row in rows]


async def list_deliveries(
    connection: AsyncConnection, tenant: Tenant, endpoint_id: str, params: ListParams
) -> tuple[list[Delivery], dict[str, list[Attempt]], int]:
    """A page of the endpoint's deliveries, every attempt of each (by delivery id), and the total count."""
    await get_endpoint(connection, tenant, endpoint_id)
    found, count = await repository.list_deliveries(connection, tenant, endpoint_id, params)
    return found, await repository.attempts_of(connection, tenant, [item.id for item in found]), count


async def record_attempts(connection: AsyncConnection, outcomes: Sequence[Outcome]) -> list[str]:
    """Write finished attempts (each delivery's new state, and the attempt itself), those whose sender's
    lease still stands; returns the ids of the others (another sender took them over, its outcome
    counts). A few statements for the whole batch.

    Real attempts (ones that reached out to the endpoint) also tell whether the endpoint works, the last
    of the batch for each endpoint: one failing for `DISABLE_AFTER` is disabled, once, with a
    `webhook_endpoint.disabled` event (the email consumer writes to the merchant)."""
    held = await repository.record_outcomes(connection, [(item.delivery.id, item.lease, item.values) for item in outcomes])
    kept = [item for item in outcomes if item.delivery.id in held]
    await repository.insert_attempts(connection, [
        {
            "id": new_id("wha"), "organization_id": item.delivery.organization_id, "livemode": item.delivery.livemode,
            "delivery_id": item.delivery.id, "attempted_at": item.values["last_attempt_at"],
            "succeeded": item.values["status"] == DeliveryStatus.SUCCEEDED.value,
            "status_code": item.values["last_status_code"], "duration_ms": item.values["last_duration_ms"],
            "response": item.values["last_response"], "next_attempt_at": item.values["next_attempt_at"],
        }
        for item in kept
    ])
    last_real: dict[str, Outcome] = {}
    for item in kept:
        if item.real:
            last_real[item.delivery.endpoint_id] = item
    succeeding = [endpoint_id for endpoint_id, item in last_real.items()
                  if item.values["status"] == DeliveryStatus.SUCCEEDED.value]
    await repository.mark_succeeding(connection, succeeding)
    for endpoint_id, item in last_real.items():
        if endpoint_id in succeeding:
            continue
        now = item.values["last_attempt_at"]
        await repository.mark_failing(connection, endpoint_id, now=now)
        disabled = await repository.disable_if_failing_since(connection, endpoint_id, cutoff=now - DISABLE_AFTER,
                                                             now=now)
        if disabled is not None:
            await events_service.record_event(connection, WebhookEndpointDisabled(to_wire_endpoint(disabled)))
    return [item.delivery.id for item in outcomes if item.delivery.id not in held]


async def claim_due(
    connection: AsyncConnection, *, now: datetime, lease_until: datetime, limit: int
) -> Sequence[Any]:
    return await repository.claim_due_deliveries(connection, now=now, lease_until=lease_until, limit=limit)


# Endpoints re-encrypted per transaction by a key rotation.
ROTATION_PAGE = 200


async def count_all_endpoints(connection: AsyncConnection) -> int:
    return await repository.count_all_endpoints(connection)


async def reencrypt_secrets(connection: AsyncConnection, rotation: Rotation, after_id: str) -> tuple[int, str | None]:
    """One page of a key rotation over the signing secrets (current and previous)."""
    page = await repository.endpoints_after(connection, after_id, limit=ROTATION_PAGE)
    for endpoint in page:
        context = _secret_context(endpoint.id)
        current = rotation.reseal(endpoint.secret_encrypted, associated_data=context)
        previous = (rotation.reseal(endpoint.previous_secret_encrypted, associated_data=context)
                    if endpoint.previous_secret_encrypted else None)
        if current is not None or previous is not None:
            await repository.swap_secrets(
                connection, endpoint, secret_encrypted=current or endpoint.secret_encrypted,
                previous_secret_encrypted=previous or endpoint.previous_secret_encrypted,
            )
    return len(page), (page[-1].id if len(page) == ROTATION_PAGE else None)
