"""Wire schema of events."""

from __future__ import annotations

from typing import Any

from kohort.events.domain import Event as StoredEvent
from kohort.http.schemas import Timestamp, WireModel
from kohort.http.versions import LEGACY_VERSION, legacy_body


class EventData(WireModel):
    # The object the event is about, as it was then, in the version the organization had then.
    object: dict[str, Any]


class Event(WireModel):
    id: str
    type: str
    api_version: str
    created_at: Timestamp
    livemode: bool
    data: EventData


def wire_data(event: StoredEvent) -> dict[str, Any]:
    """The object in the event's own API version (stored in the documented camelCase form)."""
    return legacy_body(event.data) if event.api_version == LEGACY_VERSION else event.data


def to_wire_event(event: StoredEvent) -> Event:
    return Event(
        id=event.id, type=event.type, api_version=event.api_version, created_at=event.created_at,
        livemode=event.livemode, data=EventData(object=wire_data(event)),
    )
