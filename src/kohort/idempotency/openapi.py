"""The `Idempotency-Key` header in /openapi.json: a parameter of every POST operation, as the middleware
serves every POST whatever its route declares."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

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
IN_USE = {"description": "`IDEMPOTENCY_KEY_IN_USE`: a request with this Idempotency-Key is still running."}


def add_header(schema: dict[str, Any]) -> dict[str, Any]:
    for path_item in schema.get("paths", {}).values():
        operation = path_item.get("post")
        if operation is None:
            continue
        operation.setdefault("parameters", []).append(dict(PARAMETER))
        operation.setdefault("responses", {}).setdefault("409", dict(IN_USE))
    return schema


def document(app: FastAPI) -> None:
    """Wraps `app.openapi` (which builds the document once and caches it) to add the header, once."""
    build = app.openapi
    documented: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not documented:
            documented.append(add_header(build()))
        return documented[0]

    app.openapi = openapi  # type: ignore[method-assign]
