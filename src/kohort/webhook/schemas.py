"""Wire schemas of webhook endpoints and deliveries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from kohort.events.catalogue import EventType
from kohort.http.schemas import Timestamp, WireModel
from kohort.webhook.domain import ALL_EVENTS, Delivery, WebhookEndpoint

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


def to_wire_endpoint(endpoint: WebhookEndpoint, *, secret: str | None = None) -> WebhookEndpointOut:
    shown = WebhookEndpointOut(
        id=endpoint.id, livemode=endpoint.livemode, organization_id=endpoint.organization_id, url=endpoint.url,
        description=endpoint.description, enabled_events=list(endpoint.enabled_events), disabled=endpoint.disabled,
        created_at=endpoint.created_at, updated_at=endpoint.updated_at,
    )
    if secret is None:
        return shown
    return WebhookEndpointWithSecret(**shown.model_dump(), secret=secret)


def to_wire_delivery(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut.model_validate(delivery, from_attributes=True)
