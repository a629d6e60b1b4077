"""Webhook endpoints and deliveries as the rest of the code sees them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from kohort.models import webhook_attempts, webhook_deliveries, webhook_endpoints
from kohort.models.base import check_row_shape
from kohort.tenant import Tenant

ALL_EVENTS = "*"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: str
    organization_id: str
    livemode: bool
    url: str
    description: str | None
    enabled_events: list[str]
    disabled: bool
    secret_encrypted: str
    previous_secret_encrypted: str | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    # The first failed attempt since the last success, or None.
    failing_since: datetime | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> WebhookEndpoint:
        return cls(*row)

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id, self.livemode)

    def wants(self, event_type: str) -> bool:
        return not self.disabled and (ALL_EVENTS in self.enabled_events or event_type in self.enabled_events)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    organization_id: str
    livemode: bool
    endpoint_id: str
    event_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    locked_until: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_duration_ms: int | None
    last_response: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Delivery:
        values = list(row)
        values[5] = DeliveryStatus(values[5])
        return cls(*values)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt of a delivery, as recorded."""

    id: str
    organization_id: str
    livemode: bool
    delivery_id: str
    attempted_at: datetime
    succeeded: bool
    status_code: int | None
    duration_ms: int
    response: str
    next_attempt_at: datetime | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Attempt:
        return cls(*row)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finished attempt waiting to be recorded."""

    delivery: Delivery
    # The lease the delivery was claimed under: the outcome counts only if it still stands.
    lease: datetime
    # The delivery's new state (kohort.webhook.delivery.outcome).
    values: dict[str, Any]
    # False when no request was made (a disabled endpoint): it says nothing of the endpoint's health.
    real: bool


check_row_shape(webhook_endpoints, WebhookEndpoint)
check_row_shape(webhook_deliveries, Delivery)
check_row_shape(webhook_attempts, Attempt)
