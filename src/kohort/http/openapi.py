"""What /openapi.json says beyond the routes' models, in one place.

A route declares its own business errors and, for a collection, its list parameters:

    @router.get("/{order_id}", response_model=Order, responses=errors({404: ["NOT_FOUND"]}))
    @router.get("", **list_operation(Order, order_by=ORDER_FIELDS, search=ORDER_FIELDS, expand=ORDER_EXPANSIONS))

What every route of a kind can answer is added here, once, when the document is built: the version
header and its 400, the NUL-character 400 and the 503 of every operation; 401 (and 403 for secret-key
routes) from the route's security scheme (see `kohort.auth.dependencies`); 400s of a JSON body and of
list parameters. Each error status is then documented as the error envelope whose `code` is one of the
codes gathered for that operation, so that a client (and schemathesis) can rely on them. FastAPI's 422 is
removed: our handlers answer 400 instead (`kohort.errors`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.routing import Route

from kohort.errors import (
    Conflict,
    KohortError,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
    Unauthorized,
    error_body,
)
from kohort.http.schemas import Page
from kohort.http.versions import API_VERSIONS, CURRENT_VERSION, LEGACY_VERSION, VERSION_HEADER
from kohort.kit.casing import to_snake
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import DEFAULT_TAKE, MAX_SEARCH_LENGTH, MAX_SKIP, MAX_TAKE

SECRET_KEY_SCHEME = "secretKey"
PUBLISHABLE_KEY_SCHEME = "publishableKey"

# The extension a route's `errors()` and the document's own steps collect codes in, until `_finish`.
_CODES = "x-error-codes"

_ERROR_TYPES = {error.status_code: error.error_type
                for error in (KohortError, Unauthorized, PermissionDenied, NotFound, Conflict, ServiceUnavailable)}

_ERROR_SCHEMAS: dict[str, Any] = {
    "ErrorDetail": {
        "type": "object",
        "required": ["type", "message", "code"],
        "properties": {
            "type": {"type": "string", "description": "The kind of error, fixed by the HTTP status."},
            "message": {"type": "string", "description": "What went wrong, for a person."},
            "code": {"type": "string", "description": "Stable, for programs: one of the codes listed per operation."},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
    },
}

# Answered before or around any route (kohort.http.middleware, kohort.errors).
_EVERY_OPERATION = {400: ("INVALID_API_VERSION", "BAD_REQUEST")}
# Every operation reads the database (an API key, a token); an operation that says otherwise about its 503
# (the health check) keeps its own.
_DATABASE = {503: ("SERVICE_UNAVAILABLE",)}
# A live-mode key on a server without KOHORT_ENCRYPTION_KEY: 503 ENCRYPTION_KEY_REQUIRED.
_SECRET_KEY = {401: ("UNAUTHORIZED",), 403: ("SECRET_KEY_REQUIRED",), 503: ("ENCRYPTION_KEY_REQUIRED",)}
_ANY_KEY = {401: ("UNAUTHORIZED",), 503: ("ENCRYPTION_KEY_REQUIRED",)}
_JSON_BODY = {400: ("VALIDATION_ERROR", "INVALID_JSON", "BODY_TOO_LARGE")}
_LIST = {400: ("INVALID_PARAMETER", "INVALID_SEARCH")}

_SECURITY_SCHEMES = {
    SECRET_KEY_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "A secret key, `sk_test_…` or `sk_live_…`: the mode of the key is the mode of the data.",
    },
    PUBLISHABLE_KEY_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "A publishable key, `pk_test_…` or `pk_live_…`, safe in a browser: it may only validate share codes.",
    },
}

VERSION_PARAMETER = {
    "name": VERSION_HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "enum": [CURRENT_VERSION]},
    "description": (
        f"The API version to answer in; the organization's default otherwise (every response names the version it "
        f"used in this header). This document describes `{CURRENT_VERSION}` (camelCase). `{LEGACY_VERSION}` answers "
        f"the same objects with snake_case keys, as the original KohortPay server did; `/openapi.json?version="
        f"{LEGACY_VERSION}` documents it."
    ),
}


def errors(codes: Mapping[int, Iterable[str]]) -> dict[int | str, dict[str, Any]]:
    """A route's own error answers, as FastAPI's `responses=`: `errors({404: ["NOT_FOUND"]})`. The errors every
    route of its kind shares (authentication, body, list parameters, version) are added by the document."""
    return {status: {"description": "", _CODES: sorted(set(found))} for status, found in codes.items()}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def expand_parameter(relations: Iterable[str]) -> dict[str, Any]:
    """`expand[]`: relations returned inline, as objects, next to their id; unknown names are ignored."""
    names = sorted(relations)
    return _query(
        "expand[]",
        {"type": "array", "items": {"type": "string", "enum": names}},
        f"Relations to return inline: {', '.join(f'`{name}`' for name in names)}. `expand` is accepted too.",
    )


def list_parameters(*, order_by: Iterable[str] = (), search: Iterable[str] = (),
                    expand: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The query parameters every collection reads (kohort.kit.listing)."""
    sortable = sorted(order_by)
    searchable = sorted(search)
    order_schema: dict[str, Any] = {"type": "string"}
    if sortable:
        order_schema["pattern"] = f"^({'|'.join(sortable)})(:(asc|desc))?$"
    parameters = [
        _query("take", {"type": "integer", "minimum": 1, "maximum": MAX_TAKE, "default": DEFAULT_TAKE},
               "How many items to return."),
        _query("skip", {"type": "integer", "minimum": 0, "maximum": MAX_SKIP, "default": 0},
               "How many items to skip before the first returned."),
        _query("orderBy", order_schema,
               "`field:asc` or `field:desc` (default `createdAt:desc`); `order_by` is accepted too."
               + (f" Fields: {', '.join(f'`{name}`' for name in sortable)}." if sortable else "")),
    ]
    if searchable:
        parameters.append(_query(
            "search", {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
            'Conditions joined by commas: `field:"value"` (equals), `field!value`, `field~text` (contains), '
            f'`field>=n`, `field<n`…; `a:"x" OR a:"y"` within one condition. Fields: '
            f"{', '.join(f'`{name}`' for name in searchable)}.",
        ))
    if expand:
        parameters.append(expand_parameter(expand))
    return parameters


def list_operation(item: type[BaseModel], *, order_by: Iterable[str] = (), search: Iterable[str] = (),
                   expand: Iterable[str] = (), codes: Mapping[int, Iterable[str]] | None = None) -> dict[str, Any]:
    """The route arguments of a collection of `item`: its `{"data", "count"}` model, its list parameters and its
    own error codes (`codes`, as `errors()` takes them). `@router.get("", **list_operation(Order, …))`."""
    return {
        "response_model": Page[item],  # type: ignore[valid-type]
        "responses": errors(codes or {}),
        "openapi_extra": {"parameters": list_parameters(order_by=order_by, search=search, expand=expand)},
    }


def _add_codes(operation: dict[str, Any], codes: Mapping[int, Iterable[str]]) -> None:
    responses = operation.setdefault("responses", {})
    for status, found in codes.items():
        response = responses.setdefault(str(status), {"description": ""})
        response[_CODES] = sorted({*response.get(_CODES, ()), *found})


def add_error_codes(operation: dict[str, Any], codes: Mapping[int, Iterable[str]]) -> None:
    """For a document step of another package (e.g. the Idempotency-Key's): `codes` are answered by this operation."""
    _add_codes(operation, codes)


def _error_response(status: int, codes: list[str]) -> dict[str, Any]:
    detail: dict[str, Any] = {"type": "object", "properties": {"code": {"type": "string", "enum": codes}}}
    if status in _ERROR_TYPES:
        detail["properties"]["type"] = {"type": "string", "enum": [_ERROR_TYPES[status]]}
    return {
        "description": "Error codes: " + ", ".join(f"`{code}`" for code in codes) + ".",
        "content": {"application/json": {"schema": {
            "allOf": [{"$ref": "#/components/schemas/Error"}, {"type": "object", "properties": {"error": detail}}]
        }}},
    }


def _security_names(operation: dict[str, Any]) -> set[str]:
    return {name for requirement in operation.get("security", ()) for name in requirement}


def _finish(operation: dict[str, Any]) -> None:
    operation.setdefault("parameters", []).insert(0, dict(VERSION_PARAMETER))
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)
    schemes = _security_names(operation)
    _add_codes(operation, _EVERY_OPERATION)
    if "503" not in responses:
        _add_codes(operation, _DATABASE)
    if SECRET_KEY_SCHEME in schemes and PUBLISHABLE_KEY_SCHEME not in schemes:
        _add_codes(operation, _SECRET_KEY)
    elif schemes:
        _add_codes(operation, _ANY_KEY)
    if "requestBody" in operation:
        _add_codes(operation, _JSON_BODY)
    if any(parameter.get("name") == "take" for parameter in operation["parameters"]):
        _add_codes(operation, _LIST)
    for status, response in list(responses.items()):
        if _CODES in response:
            responses[status] = _error_response(int(status), response[_CODES])


def _pages_named_by_title(document: dict[str, Any]) -> dict[str, Any]:
    """`OrderList` rather than Pydantic's `Page_Order_` as the component's name (generated classes take it)."""
    schemas = document.get("components", {}).get("schemas", {})
    renamed = {name: schema["title"] for name, schema in schemas.items() if name.startswith("Page_") and "title" in schema}
    text = json.dumps(document)
    for old, new in renamed.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    named: dict[str, Any] = json.loads(text)
    named["components"]["schemas"] = {renamed.get(name, name): schema
                                      for name, schema in named["components"]["schemas"].items()}
    return named


def _without_validation_error_schemas(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(_ERROR_SCHEMAS)
    document["components"]["securitySchemes"] = dict(_SECURITY_SCHEMES)


DocumentStep = Callable[[dict[str, Any]], None]


def operations(document: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """Each (path, method, operation) of the document."""
    for path, path_item in document.get("paths", {}).items():
        for method, operation in path_item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                yield path, method, operation


def _snake_properties(schema: Any) -> Any:
    """A schema's property names (and `required`) in snake_case, recursively: the legacy version's objects."""
    if isinstance(schema, list):
        return [_snake_properties(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    renamed = {key: _snake_properties(value) for key, value in schema.items()}
    if isinstance(schema.get("properties"), dict):
        renamed["properties"] = {to_snake(name): _snake_properties(value) for name, value in schema["properties"].items()}
    if isinstance(schema.get("required"), list):
        renamed["required"] = [to_snake(name) for name in schema["required"]]
    return renamed


def legacy_document(current: dict[str, Any]) -> dict[str, Any]:
    """The same API as answered in the legacy version: snake_case keys in every object (request bodies accept
    both casings, so their snake_case form is as true), and the version header naming it."""
    legacy: dict[str, Any] = _snake_properties(current)
    legacy["info"] = {**current["info"], "description": f"{current['info'].get('description', '')} "
                      f"This document describes API version {LEGACY_VERSION} (snake_case)."}
    for _, _, operation in operations(legacy):
        for parameter in operation.get("parameters", ()):
            if parameter["name"] == VERSION_HEADER:
                parameter["schema"] = {"type": "string", "enum": [LEGACY_VERSION]}
    return legacy


def document(app: FastAPI, *steps: DocumentStep) -> None:
    """Wraps `app.openapi` (which builds the document once and caches it): the steps of other packages run first
    (they may add parameters and error codes), then the errors are documented. Built once, on first use.
    `/openapi.json?version=2024-01-01` serves the legacy version's document."""
    build = app.openapi
    built: dict[str, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        if not built:
            schema = build()
            for step in steps:
                step(schema)
            for _, _, operation in operations(schema):
                _finish(operation)
            _without_validation_error_schemas(schema)
            schema = _pages_named_by_title(schema)
            built[CURRENT_VERSION] = schema
            built[LEGACY_VERSION] = legacy_document(schema)
        return built[CURRENT_VERSION]

    async def serve(request: Request) -> JsonResponse:
        version = request.query_params.get("version") or CURRENT_VERSION
        if version not in API_VERSIONS:
            message = f"Unknown API version {version!r}; supported: {', '.join(API_VERSIONS)}."
            return JsonResponse(error_body("invalid_request_error", message, "INVALID_API_VERSION"), status_code=400)
        openapi()
        return JsonResponse(built[version])

    app.openapi = openapi  # type: ignore[method-assign]
    if app.openapi_url:
        # Ahead of FastAPI's own route for the same path (the first match answers).
        app.router.routes.insert(0, Route(app.openapi_url, serve, include_in_schema=False))
