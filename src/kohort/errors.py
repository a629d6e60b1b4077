"""Domain errors and their one JSON rendering.

Every error reaches the client as `{"error": {"type", "message", "code"}}`:

    KohortError                 400 invalid_request_error  (base; business codes such as AMOUNT_TOO_LOW)
    ├── Unauthorized            401 authentication_error   UNAUTHORIZED
    ├── PermissionDenied        403 permission_error       SECRET_KEY_REQUIRED
    ├── NotFound                404 not_found_error        NOT_FOUND
    ├── Conflict                409 invalid_request_error  CONFLICT
    ├── TooManyRequests         429 rate_limit_error       RATE_LIMITED         (with Retry-After)
    └── ServiceUnavailable      503 api_error              SERVICE_UNAVAILABLE  (with Retry-After)

A database that cannot be reached (refused, dropped, pool exhausted) is a ServiceUnavailable too: the
request can be retried as it is. Anything else that escapes a handler is a bug: 500 api_error, logged
with its traceback.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs; only its exception classes are used
import sqlalchemy.exc
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


class TooManyRequests(KohortError):
    """Raised when a rate limit's budget is spent (kohort.ratelimit); the client retries after `retry_after` s."""

    status_code = 429
    error_type = "rate_limit_error"
    default_code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(KohortError):
    """Raised when a dependency (the database) cannot answer now; the client retries after a while."""

    status_code = 503
    error_type = "api_error"
    default_code = "SERVICE_UNAVAILABLE"


class EncryptionKeyRequired(ServiceUnavailable):
    """Live mode on a server running with the development key: real shoppers' IBANs would be protected by a
    key file lying next to the database. Test mode keeps working."""

    default_code = "ENCRYPTION_KEY_REQUIRED"

    def __init__(self) -> None:
        super().__init__(
            "Live mode needs an encryption key: this server runs with the development key. The operator sets "
            "KOHORT_ENCRYPTION_KEY (to the content of the development key file if live data was already stored "
            "with it) and restarts the server."
        )


RETRY_AFTER_SECONDS = 5

# What a database that is down, restarting, unreachable or saturated raises: asyncpg's and the socket's
# own errors at connect time (SQLAlchemy does not wrap those), SQLAlchemy's pool timeout, and DB-API
# errors of the "operational" kind (dropped connection, locked or missing SQLite file).
_OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.TimeoutError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    ConnectionError,
    TimeoutError,
    socket.gaierror,
)


def is_database_outage(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached now (rather than that our code is wrong)."""
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _OUTAGE_ERRORS)


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
        headers = None
        if isinstance(exc, ServiceUnavailable):
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        elif isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return JsonResponse(error_body(exc.error_type, exc.message, exc.code), status_code=exc.status_code,
                            headers=headers)

    async def _database_error(request: Request, exc: Exception) -> JsonResponse:
        # Rendered here rather than by the catch-all below: this response goes through the middleware
        # (it is stamped with the API version) and the connection stays open for the client's next request.
        if is_database_outage(exc):
            log.warning("request.database_unavailable error=%s", type(exc).__name__)
            return await _kohort_error(request, ServiceUnavailable("The database is unavailable; retry shortly."))
        log.exception("request.unhandled_error", exc_info=exc)
        return JsonResponse(error_body("api_error", "Internal server error.", "INTERNAL_ERROR"), status_code=500)

    for error_class in (sqlalchemy.exc.DBAPIError, *_OUTAGE_ERRORS, asyncpg.PostgresError, OSError):
        app.add_exception_handler(error_class, _database_error)

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
        # Starlette re-raises the error after this response and the server then drops the connection:
        # say so, so that a keep-alive client opens a new one instead of sending its next request into
        # a closing socket.
        headers = {"Connection": "close", **({"Kohort-Version": version} if version else {})}
        return JsonResponse(
            error_body("api_error", "Internal server error.", "INTERNAL_ERROR"), status_code=500, headers=headers
        )
