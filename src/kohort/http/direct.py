"""Calling a route's endpoint without FastAPI's dependency solver, when the route needs none of it.

FastAPI solves every request's dependencies generically: for each dependency (the key's, its bearer
scheme's, the body's) it builds a sub-response, parses the query string, the headers and the cookies
into parameters nobody declared, and looks up caches, about a tenth of the CPU of `POST /orders`. Most
of our routes only take the request, dependencies that take the request (the API key's), and the body
through `json_body`, and answer with a Response. For those, `direct_handler` plans the calls once, when
the route is built, and each request runs the plan: the same dependencies, in the same order (depth
first, as declared), each called once per request (FastAPI's cache), the same exceptions. Any other
shape (path, query, header or cookie parameters, generators, sync functions, a Response parameter,
background tasks, security scopes, a return value to serialize) keeps FastAPI's handler.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from starlette.responses import Response

# One step of a plan: the value of a parameter, from the request and the values already computed.
_Step = Callable[[Request, dict[Any, Any]], Awaitable[Any]]


def _has_other_inputs(dependant: Dependant) -> bool:
    """Inputs the plan does not provide: FastAPI's handler must solve those."""
    return bool(
        dependant.path_params or dependant.query_params or dependant.header_params or dependant.cookie_params
        or dependant.websocket_param_name or dependant.response_param_name
        or dependant.background_tasks_param_name or dependant.security_scopes_param_name
        or dependant.own_oauth_scopes or dependant.concurrency is not None
    )


def _is_plain_coroutine_function(call: Any) -> bool:
    function = call if inspect.isfunction(call) or inspect.ismethod(call) else getattr(call, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(function) and not inspect.isasyncgenfunction(function)


def _step(dependant: Dependant) -> _Step | None:
    """How to compute a dependency's value, or None if it is not a shape the plan knows."""
    call = dependant.call
    if call is None or _has_other_inputs(dependant) or not _is_plain_coroutine_function(call):
        return None
    if getattr(call, "reads_its_own_body", False):
        # `json_body`: its body parameter only documents the model; the call reads and validates the body.
        if dependant.dependencies:
            return None
        return _cached(call, lambda request, _: call(request))
    if dependant.body_params:
        return None
    arguments = _arguments(dependant)
    if arguments is None:
        return None

    async def compute(request: Request, cache: dict[Any, Any]) -> Any:
        values = {name: await step(request, cache) for name, step in arguments}
        return await call(**values)

    return _cached(call, compute) if dependant.use_cache else compute


def _cached(call: Any, compute: _Step) -> _Step:
    """Once per request per dependency, as FastAPI caches them (by the callable)."""

    async def value(request: Request, cache: dict[Any, Any]) -> Any:
        if call in cache:
            return cache[call]
        cache[call] = result = await compute(request, cache)
        return result

    return value


async def _request(request: Request, _: dict[Any, Any]) -> Request:
    return request


def _arguments(dependant: Dependant) -> list[tuple[str, _Step]] | None:
    """The steps giving each parameter of `dependant.call`, dependencies first in declaration order (the
    order FastAPI solves them in), or None if one of them is not plannable."""
    arguments: list[tuple[str, _Step]] = []
    for dependency in dependant.dependencies:
        step = _step(dependency)
        if step is None or dependency.name is None:
            return None
        arguments.append((dependency.name, step))
    for name in (dependant.request_param_name, dependant.http_connection_param_name):
        if name:
            arguments.append((name, _request))
    return arguments


def _answers_with_response(endpoint: Callable[..., Any]) -> bool:
    try:
        answer = typing.get_type_hints(endpoint).get("return")
    except Exception:  # noqa: BLE001 - an annotation we cannot resolve: leave the route to FastAPI
        return False
    return isinstance(answer, type) and issubclass(answer, Response)


def direct_handler(dependant: Dependant) -> Callable[[Request], Coroutine[Any, Any, Response]] | None:
    """The route's handler without FastAPI's solver, or None if the route needs the solver."""
    endpoint = dependant.call
    if (endpoint is None or _has_other_inputs(dependant) or dependant.body_params
            or not _is_plain_coroutine_function(endpoint) or not _answers_with_response(endpoint)):
        return None
    arguments = _arguments(dependant)
    if arguments is None:
        return None

    async def handle(request: Request) -> Response:
        cache: dict[Any, Any] = {}
        values = {name: await step(request, cache) for name, step in arguments}
        response: Response = await endpoint(**values)
        return response

    return handle
