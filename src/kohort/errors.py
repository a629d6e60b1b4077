"""Domain errors and their one JSON rendering.

Every error reaches the client as `{"error": {"type", "message", "code"}}`:

    KohortError                 400 invalid_request_error  (base; business codes such as AMOUNT_TOO_LOW)
    ├── Unauthorized            401 authentication_error   UNAUTHORIZED
    ├── PermissionDenied        403 permission_error       SECRET_KEY_REQUIRED
    ├── NotFound                404 not_found_error        NOT_FOUND
    └── Conflict                409 invalid_request_error  CONFLICT

Anything else that escapes a handler is a bug: 500 api_error, logged with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import InvalidListParameter

log = logging.getLogger("kohort.errors")


class KohortError(Exception):
    status_code = 400
    error_type = "invalid_request_error"
    default_code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code


class Unauthorized(KohortError):
    status_code = 401
    error_type = "authentication_error"
    default_code = "UNAUTHORIZED"


class PermissionDenied(KohortError):
    status_code = 403
    error_type = "permission_error"
    default_code = "SECRET_KEY_REQUIRED"


class NotFound(KohortError):
    status_code = 404
    error_type = "not_found_error"
    default_code = "NOT_FOUND"


class Conflict(KohortError):
    status_code = 409
    default_code = "CONFLICT"


def error_body(error_type: str, message: str, code: str) -> dict[str, dict[str, str]]:
    return {"error": {"type": error_type, "message": message, "code": code}}


def describe_validation_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """One readable sentence naming each offending field, from Pydantic's error list."""
    parts = []
    for error in errors:
        location = [str(item) for item in error.get("loc", ()) if item not in ("body", "query", "path")]
        field = ".".join(location) or "request"
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "; ".join(parts) or "Invalid request."


_STATUS_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KohortError)
    async def _kohort_error(_: Request, exc: KohortError) -> JsonResponse:
        return JsonResponse(error_body(exc.error_type, exc.message, exc.code), status_code=exc.status_code)

    @app.exception_handler(InvalidListParameter)
    async def _list_parameter_error(_: Request, exc: InvalidListParameter) -> JsonResponse:
        return JsonResponse(error_body("invalid_request_error", exc.message, exc.code), status_code=400)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JsonResponse:
        message = describe_validation_errors(list(exc.errors()))
        return JsonResponse(error_body("invalid_request_error", message, "BAD_REQUEST"), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JsonResponse:
        error_type = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
        code = _STATUS_CODES.get(exc.status_code, "BAD_REQUEST")
        message = "Route not found." if exc.status_code == 404 else str(exc.detail)
        return JsonResponse(error_body(error_type, message, code), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JsonResponse:
        log.exception("request.unhandled_error", exc_info=exc)
        # Starlette sends this response from outside every middleware, so ApiVersionMiddleware
        # (kohort.http.middleware) cannot stamp it: name the version it chose here.
        version = getattr(request.state, "api_version", None)
        return JsonResponse(
            error_body("api_error", "Internal server error.", "INTERNAL_ERROR"),
            status_code=500,
            headers={"Kohort-Version": version} if version else None,
        )
