"""The `Idempotency-Key` header in /openapi.json: a parameter of every POST operation, as the middleware
serves every POST whatever its route declares."""

from __future__ import annotations

from typing import Any

from kohort.http.openapi import add_error_codes, operations
from kohort.idempotency.middleware import REPLAYED_HEADER
from kohort.idempotency.service import MAX_KEY_LENGTH

PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": (
        "Makes a retry safe: the first answer under this key is kept 24 hours (per organization and mode) "
        "and returned to a retry of the same request with `Idempotent-Replayed: true`. The same key with "
        "another request is a 400 `IDEMPOTENCY_KEY_REUSED`; a retry while the first still runs is a 409 "
        "`IDEMPOTENCY_KEY_IN_USE`. A 400 is not kept: the corrected request may reuse the key."
    ),
}
CODES = {400: ("IDEMPOTENCY_KEY_REUSED", "INVALID_IDEMPOTENCY_KEY"), 409: ("IDEMPOTENCY_KEY_IN_USE",)}
REPLAYED = {
    "description": "`true` on an answer replayed for a retry under the same `Idempotency-Key`.",
    "schema": {"type": "string", "enum": ["true"]},
}


def add_header(document: dict[str, Any]) -> None:
    """A step of `kohort.http.openapi.document`."""
    for _, method, operation in operations(document):
        if method != "post":
            continue
        operation.setdefault("parameters", []).append(dict(PARAMETER))
        add_error_codes(operation, CODES)
        for status, response in operation.get("responses", {}).items():
            if status.startswith("2"):
                response.setdefault("headers", {})[REPLAYED_HEADER] = dict(REPLAYED)
