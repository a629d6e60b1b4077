"""API versions, Stripe-style.

`2025-01-01` emits camelCase as documented; `2024-01-01` emits snake_case as the original server did
(the installed plugins read it). An organization has a default; a request may choose with the
`Kohort-Version` header; every response names the version it used.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kohort.kit.casing import PASSTHROUGH_KEYS, snake_keys

CURRENT_VERSION = "2025-01-01"
LEGACY_VERSION = "2024-01-01"
API_VERSIONS = (CURRENT_VERSION, LEGACY_VERSION)
VERSION_HEADER = "Kohort-Version"


def response_version(request: Request) -> str:
    """The version this request is answered in (set by the version middleware, then by authentication
    when the organization has a default of its own)."""
    return str(getattr(request.state, "api_version", CURRENT_VERSION))


# Values the legacy version never had, and the word it spells them with (SURFACES.md: the installed
# plugins switch on the original's order statuses and would not know a held cashback).
_LEGACY_STATUSES = {"CASHBACK_PENDING": "CREATED"}


def legacy_body(body: Any) -> Any:
    """A documented (camelCase) body as 2024-01-01 shows it: snake_case keys, the original's statuses."""
    return _legacy_statuses(snake_keys(body))


def _legacy_statuses(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: (
                item if key in PASSTHROUGH_KEYS
                else _LEGACY_STATUSES.get(item, item) if key == "status" and isinstance(item, str)
                else _legacy_statuses(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_legacy_statuses(item) for item in value]
    return value
