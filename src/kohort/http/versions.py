"""API versions, Stripe-style.

`2025-01-01` emits camelCase as documented; `2024-01-01` emits snake_case as the original server did
(the installed plugins read it). An organization has a default; a request may choose with the
`Kohort-Version` header; every response names the version it used.
"""

from __future__ import annotations

from fastapi import Request

CURRENT_VERSION = "2025-01-01"
LEGACY_VERSION = "2024-01-01"
API_VERSIONS = (CURRENT_VERSION, LEGACY_VERSION)
VERSION_HEADER = "Kohort-Version"


def response_version(request: Request) -> str:
    """The version this request is answered in (set by the version middleware, then by authentication
    when the organization has a default of its own)."""
    return str(getattr(request.state, "api_version", CURRENT_VERSION))
