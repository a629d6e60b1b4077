"""Wire schemas of webhook endpoints and deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from kohort.events.catalogue import EventType
from kohort.http.schemas import Timestamp, WireModel
from kohort.webhook.domain import ALL_EVENTS, Attempt, Delivery, WebhookEndpoint

_KNOWN = frozenset({ALL_EVENTS, *(item.value for item in EventType)})


def _event_types(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise ValueError('must be a non-empty list of event types, or ["*"] for all')
    unknown = sorted({item for item in value if item not in _KNOWN})
    if unknown:
        raise ValueError(f"unknown event types {', '.join(unknown)}")
    if ALL_EVENTS in value and len(set(value)) > 1:
        raise ValueError('"*" already means every event type; send it alone')
    return sorted(set(value), key=value.index)


EventTypes = Annotated[list[str], BeforeValidator(_event_types)]


class WebhookEndpointOut(WireModel):
    id: str
    livemode: bool
    organization_id: str
    url: str
    description: str | None
    enabled_events: list[str]
    disabled: bool
    # Since when every attempt fails (null while deliveries succeed); after 5 days the endpoint is disabled.
    failing_since: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class WebhookEndpointWithSecret(WebhookEndpointOut):
    # Shown at creation and rotation only: keep it, it cannot be read again.
    secret: str


class WebhookEndpointCreate(WireModel):
    url: str = Field(min_length=1, max_length=2048)
    enabled_events: EventTypes = Field(default_factory=lambda: [ALL_EVENTS])
    description: str | None = Field(default=None, max_length=500)
    disabled: bool = False


class WebhookEndpointUpdate(WireModel):
    url: str | None = Field(default=None, min_length=1, max_length=2048)
    enabled_events: EventTypes | None = None
    description: str | None = Field(default=None, max_length=500)
    disabled: bool | None = None


class EventResend(WireModel):
    endpoint_id: str | None = Field(default=None, max_length=40)


class AttemptOut(WireModel):
    attempted_at: Timestamp
    succeeded: bool
    status_code: int | None
    duration_ms: int
    # At most 1 KB of the receiver's answer, or what went wrong.
    response: str
    # When the delivery was to be tried again after this attempt (null: it succeeded, or gave up).
    next_attempt_at: Timestamp | None


class DeliveryOut(WireModel):
    id: str
    livemode: bool
    endpoint_id: str
    event_id: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: Timestamp | None
    last_attempt_at: Timestamp | None
    last_status_code: int | None
    last_duration_ms: int | None
    last_response: str | None
    created_at: Timestamp
    # Every attempt so far, oldest first.
    attempt_history: list[AttemptOut]


def to_wire_endpoint(endpoint: WebhookEndpoint, *, secret: str | None = None) -> WebhookEndpointOut:
    shown = WebhookEndpointOut(
        id=endpoint.id, livemode=endpoint.livemode, organization_id=endpoint.organization_id, url=endpoint.url,
        description=endpoint.description, enabled_events=list(endpoint.enabled_events), disabled=endpoint.disabled,
        failing_since=endpoint.failing_since, created_at=endpoint.created_at, updated_at=endpoint.updated_at,
    )
    if secret is None:
        return shown
    return WebhookEndpointWithSecret(**shown.model_dump(), secret=secret)


def to_wire_delivery(delivery: Delivery, attempts: Sequence[Attempt] = ()) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id, livemode=delivery.livemode, endpoint_id=delivery.endpoint_id, event_id=delivery.event_id,
        status=delivery.status.value, attempts=delivery.attempts, next_attempt_at=delivery.next_attempt_at,
        last_attempt_at=delivery.last_attempt_at, last_status_code=delivery.last_status_code,
        last_duration_ms=delivery.last_duration_ms, last_response=delivery.last_response,
        created_at=delivery.created_at,
        attempt_history=[AttemptOut.model_validate(attempt, from_attributes=True) for attempt in attempts],
    )
