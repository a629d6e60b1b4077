"""The wire format, defined once.

* Field names: Python code uses snake_case; the documented wire form is camelCase. Requests accept
  either spelling (shop plugins mix them), unknown fields are ignored (plugins send extras).
* API versions, Stripe-style: `2025-01-01` emits camelCase as documented; `2024-01-01` emits snake_case
  as the original server did (the installed plugins read it). An organization has a default; a request
  may choose with the `Kohort-Version` header; every response names the version it used.
* `metadata` is a flat object of strings, passed through untouched in either version.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, StringConstraints, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kohort.errors import KohortError, describe_validation_errors, error_body
from kohort.kit.casing import snake_keys, to_camel
from kohort.kit.json_response import JsonResponse
from kohort.kit.money import cents_from_number
from kohort.kit.numbers import MAX_NUMBER_TEXT_LENGTH, NumberTooLarge, has_long_number_token
from kohort.kit.timefmt import iso_z

CURRENT_VERSION = "2025-01-01"
LEGACY_VERSION = "2024-01-01"
API_VERSIONS = (CURRENT_VERSION, LEGACY_VERSION)
VERSION_HEADER = "Kohort-Version"

MAX_AMOUNT_CENTS = 10**11  # 1 000 000 000 €: anything above is a client bug, not a purchase
MAX_BODY_BYTES = 64 * 1024

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


class WireModel(BaseModel):
    """Base of every request and response schema."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        str_strip_whitespace=True,
    )


def _cents(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("must be a number of cents")
    out_of_range = ValueError(f"must be between 0 and {MAX_AMOUNT_CENTS} cents")
    try:
        cents = cents_from_number(value)
    except NumberTooLarge:
        raise out_of_range from None
    except (InvalidOperation, ValueError, OverflowError):
        raise ValueError("must be a number of cents") from None
    if not 0 <= cents <= MAX_AMOUNT_CENTS:
        raise out_of_range
    return cents


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("must be an integer")
    return value


def _metadata(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("must be an object of string values")
    if len(value) > METADATA_MAX_KEYS:
        raise ValueError(f"may hold at most {METADATA_MAX_KEYS} keys")
    for key, item in value.items():
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise ValueError(f"keys may be at most {METADATA_MAX_KEY_LENGTH} characters")
        if not isinstance(item, str):
            raise ValueError(f"value of {key!r} must be a string")
        if len(item) > METADATA_MAX_VALUE_LENGTH:
            raise ValueError(f"value of {key!r} may be at most {METADATA_MAX_VALUE_LENGTH} characters")
    return value


# Metadata belongs to the merchant: exempt from WireModel's whitespace stripping, in and out.
_Untouched = Annotated[str, StringConstraints(strip_whitespace=False)]
MetadataContents = dict[_Untouched, _Untouched]

# Integer cents; accepts 3000, 3000.0, "3000" and rounds 1998.9999999999998 half-up (Magento sends it).
Cents = Annotated[int, BeforeValidator(_cents)]
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
Metadata = Annotated[MetadataContents | None, BeforeValidator(_metadata)]
Timestamp = Annotated[datetime, PlainSerializer(iso_z, return_type=str)]


def _locale(value: Any) -> Any:
    """Plugins send arbitrary locales: fr_* → fr_FR, en_GB stays, other en_* → en_US, else the default."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string such as fr_FR or en_US")
    normalized = value.strip().replace("-", "_")
    if normalized.lower().startswith("fr"):
        return "fr_FR"
    if normalized.lower() == "en_gb":
        return "en_GB"
    if normalized.lower().startswith("en"):
        return "en_US"
    return None


Locale = Annotated[str | None, BeforeValidator(_locale)]


ModelT = TypeVar("ModelT", bound=BaseModel)

# PostgreSQL text cannot hold U+0000 (the driver fails, a 500) and SQLite would store it: refuse it
# at the edge, the same way on both.
NUL_MESSAGE = "Text must not contain NUL characters (U+0000)."


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _refuse_long_numbers(raw: bytes) -> None:
    """The parser has already turned every number into a float, losing digits silently; a number
    token longer than any field accepts is refused as such (checked on valid JSON only, so the scan
    stays linear)."""
    if has_long_number_token(raw):
        raise KohortError(
            f"Request body holds a number longer than {MAX_NUMBER_TEXT_LENGTH} characters.", code="VALIDATION_ERROR"
        )


async def parse_body(request: Request, model: type[ModelT]) -> ModelT:
    """Read and validate a JSON body. An empty body counts as `{}` (WooCommerce sends none)."""
    too_large = KohortError(f"Request body is larger than {MAX_BODY_BYTES} bytes.", code="BODY_TOO_LARGE")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (len(declared) > 12 or int(declared) > MAX_BODY_BYTES):
        raise too_large
    # Read at most the limit: a client must not make us buffer an arbitrarily large (or endless) body.
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > MAX_BODY_BYTES:
            raise too_large
    raw = bytes(received)
    if raw.strip():
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise KohortError("Request body is not valid JSON.", code="INVALID_JSON") from None
    else:
        data = {}
    if not isinstance(data, dict):
        raise KohortError("Request body must be a JSON object.", code="INVALID_JSON")
    _refuse_long_numbers(raw)
    if b"\\u0000" in raw and _holds_nul(data):
        raise KohortError(NUL_MESSAGE, code="INVALID_JSON")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise KohortError(describe_validation_errors(list(error.errors())), code="VALIDATION_ERROR") from None


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True)


def render(request: Request, payload: BaseModel | dict[str, Any], *, status_code: int = 200) -> JsonResponse:
    """The response body in the request's API version."""
    body = dump(payload) if isinstance(payload, BaseModel) else payload
    if getattr(request.state, "api_version", CURRENT_VERSION) == LEGACY_VERSION:
        body = snake_keys(body)
    return JsonResponse(body, status_code=status_code)


def render_list(request: Request, items: list[BaseModel], count: int) -> JsonResponse:
    return render(request, {"data": [dump(item) for item in items], "count": count})


class RejectNulMiddleware:
    """A NUL character in the path or the query string (`%00`) is a 400, never a database error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            response = JsonResponse(error_body("invalid_request_error", NUL_MESSAGE, "BAD_REQUEST"), status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class ApiVersionMiddleware:
    """Reads `Kohort-Version` (unknown → 400) and stamps the version used on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        requested = None
        for name, value in scope["headers"]:
            if name == b"kohort-version":
                requested = value.decode("latin-1").strip()
                break
        state = scope.setdefault("state", {})
        if requested is not None and requested not in API_VERSIONS:
            message = f"Unknown API version {requested!r}; supported: {', '.join(API_VERSIONS)}."
            response = JsonResponse(
                error_body("invalid_request_error", message, "INVALID_API_VERSION"),
                status_code=400,
                headers={VERSION_HEADER: CURRENT_VERSION},
            )
            await response(scope, receive, send)
            return
        state["requested_api_version"] = requested
        state["api_version"] = requested or CURRENT_VERSION

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((VERSION_HEADER.encode(), state["api_version"].encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_version)


# Request bodies are parsed by `parse_body` (not by FastAPI) so that empty bodies, mixed key casing and
# errors follow our rules; these two helpers still document them in /openapi.json.
_DOCUMENTED_BODIES: dict[str, dict[str, Any]] = {}


def body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting `model` as the JSON request body."""
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        _DOCUMENTED_BODIES[name] = definition
    _DOCUMENTED_BODIES[model.__name__] = schema
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": False, "content": {"application/json": {"schema": reference}}}}


def add_documented_bodies(openapi_schema: dict[str, Any]) -> dict[str, Any]:
    components = openapi_schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in _DOCUMENTED_BODIES.items():
        components.setdefault(name, definition)
    return openapi_schema
