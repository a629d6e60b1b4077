"""Responses in the request's API version, and the one list envelope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from pydantic import BaseModel

from kohort.http.versions import LEGACY_VERSION, legacy_body, response_version
from kohort.kit.json_response import JsonResponse


def dump(model: BaseModel) -> dict[str, Any]:
    """The model's wire form in the documented casing (camelCase)."""
    return model.model_dump(mode="json", by_alias=True)


def render(request: Request, payload: BaseModel | dict[str, Any], *, status_code: int = 200) -> JsonResponse:
    """The response body in the request's API version."""
    body = dump(payload) if isinstance(payload, BaseModel) else payload
    if response_version(request) == LEGACY_VERSION:
        body = legacy_body(body)
    return JsonResponse(body, status_code=status_code)


def list_envelope(items: Sequence[BaseModel | dict[str, Any]], count: int) -> dict[str, Any]:
    """Every collection's shape: `{"data": [...], "count": N}`, N counting all matches, not this page."""
    return {"data": [dump(item) if isinstance(item, BaseModel) else item for item in items], "count": count}


def render_list(request: Request, items: Sequence[BaseModel | dict[str, Any]], count: int) -> JsonResponse:
    """A page of a collection, in the request's API version. Items are models, or payloads already
    dumped and expanded (`expand[]`)."""
    return render(request, list_envelope(items, count))
