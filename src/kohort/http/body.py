"""Request bodies: read by us, documented by FastAPI.

Shop plugins send bodies FastAPI would refuse: none at all (WooCommerce), keys in either casing,
extra keys. So the body is read and validated here, with our limits and our 400s, after the route's
other dependencies (authentication first, as before). FastAPI still sees the model as the route's
request body, so /openapi.json documents it like any other: `json_body(Model)` declares it as a body
parameter that is never filled, and `JsonBodyRoute` keeps FastAPI from reading the body itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Body, Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from kohort.errors import KohortError, describe_validation_errors
from kohort.http.direct import direct_handler
from kohort.kit.numbers import MAX_NUMBER_TEXT_LENGTH, has_long_number_token

MAX_BODY_BYTES = 64 * 1024

# PostgreSQL text cannot hold U+0000 (the driver fails, a 500) and SQLite would store it: refuse it
# at the edge, the same way on both.
NUL_MESSAGE = "Text must not contain NUL characters (U+0000)."

ModelT = TypeVar("ModelT", bound=BaseModel)


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
        details = [dict(detail) for detail in error.errors()]
        raise KohortError(describe_validation_errors(details), code="VALIDATION_ERROR") from None


class _JsonBody:
    """The dependency behind `json_body`. FastAPI reads its signature, which names the model as an
    optional body parameter (plugins may send none): that is all /openapi.json needs. The parameter
    itself is never filled; the body is read by `parse_body`."""

    # Called with the request alone (kohort.http.direct).
    reads_its_own_body = True

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.__signature__ = inspect.Signature([
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
            inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                              annotation=Annotated[model, Body()]),
        ])

    async def __call__(self, request: Request, body: None = None) -> BaseModel:
        return await parse_body(request, self.model)


def json_body(model: type[ModelT]) -> Any:
    """The request's body as `model`, parsed by `parse_body`: `data: OrderCreate = json_body(OrderCreate)`.
    Declare it after the route's key dependency, so that an unauthenticated request is a 401 whatever
    its body. The route's router needs `route_class=JsonBodyRoute`."""
    return Depends(_JsonBody(model))


class _BodyLeftToUs(Request):
    """The request as FastAPI's handler sees it on a `JsonBodyRoute`: no body to read up front.
    `parse_body` streams the real one later, under its size limit."""

    async def body(self) -> bytes:
        return b""


def _takes_body(dependant: Dependant) -> bool:
    return bool(dependant.body_params) or any(_takes_body(dependency) for dependency in dependant.dependencies)


def _body_only_through_json_body(dependant: Dependant) -> bool:
    if dependant.body_params and not isinstance(dependant.call, _JsonBody):
        return False
    return all(_body_only_through_json_body(dependency) for dependency in dependant.dependencies)


class JsonBodyRoute(APIRoute):
    """A route whose body, if it has one, comes from `json_body`: FastAPI documents it but does not
    read it (it would buffer any size, parse it and answer 4xx of its own before authentication).
    Routes that need nothing of FastAPI's dependency solver skip it (kohort.http.direct)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        direct = direct_handler(self.dependant)
        if direct is not None:
            return direct
        handler = super().get_route_handler()
        if not _takes_body(self.dependant) or not _body_only_through_json_body(self.dependant):
            return handler

        async def handle(request: Request) -> Response:
            return await handler(_BodyLeftToUs(request.scope, request.receive))

        return handle

